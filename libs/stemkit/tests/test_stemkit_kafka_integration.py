"""Relay and consumer on the REAL Kafka broker and REAL PostgreSQL.

The acceptance criteria of the platform's eventing:
1. killing the relay between the DB commit and the publish, and between the broker's ack and
   `sent_at`, then restarting it, gives exactly one effect per event;
2. a 30-s broker outage while events keep being added to the outbox loses none, and per-key
   order holds;
3. a duplicate delivery has no second effect;
4. a poison message lands on the dead-letter topic with its reason and the original, and the
   next message is handled.

Every test uses its own topics, consumer group and database.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import REGISTRY
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    THING_TYPE,
    BrokerControl,
    add_things,
    effect_rows,
    eventually,
    produce,
    read_topic,
    record_effect,
    running,
    thing_catalog,
    thing_event,
)
from stemkit.eventing.consumer import EventConsumer, Handler
from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.kafka import KafkaPublisher
from stemkit.eventing.relay import OutboxRelay
from stemkit.storage.db import inbox, outbox

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
MakeTopics = Callable[..., Awaitable[list[str]]]
RELAY_SCRIPT = Path(__file__).with_name("relay_process.py")


def new_consumer(
    bootstrap: str,
    sessions: Sessions,
    topic: str,
    dead_letters: str,
    handler: Handler = record_effect,
    **consumer_options: int,
) -> EventConsumer:
    return EventConsumer(
        name=f"it-{uuid.uuid4().hex[:10]}",
        topics=[topic],
        bootstrap_servers=bootstrap,
        session_factory=sessions,
        handler=handler,
        dead_letter_topic=dead_letters,
        max_attempts=3,
        retry_backoff=0.05,
        max_retry_backoff=1.0,
        consumer_options=consumer_options,
    )


def handled(consumer: EventConsumer, outcome: str) -> float:
    labels = {"consumer": consumer.name, "type": THING_TYPE, "outcome": outcome}
    return REGISTRY.get_sample_value("stem_events_handled_total", labels) or 0.0


async def count(sessions: Sessions, query: Select[int]) -> int:
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


def unsent() -> Select[int]:
    return select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))


def inbox_count(consumer: EventConsumer) -> Select[int]:
    return select(func.count()).select_from(inbox).where(inbox.c.consumer == consumer.name)


class RelayProcess:
    """`relay_process.py` as a real OS process; its JSON log lines are collected."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, database_url: str, bootstrap: str, **hooks: str) -> RelayProcess:
        env = {
            **os.environ,
            "STEM_TEST_RELAY_DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            **hooks,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(RELAY_SCRIPT), env=env, stderr=asyncio.subprocess.PIPE
        )
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode(errors="replace").rstrip())

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def wait(self) -> int:
        code = await asyncio.wait_for(self.proc.wait(), 30)
        await asyncio.wait_for(self.reader, 10)
        return code

    async def kill9(self) -> int:
        self.proc.send_signal(signal.SIGKILL)
        return await self.wait()


@pytest.mark.parametrize(
    ("stage", "hook"),
    [("BEFORE_PUBLISH", "hang"), ("AFTER_PUBLISH", "hang"), ("AFTER_PUBLISH", "1")],
    ids=["kill9-before-publish", "kill9-after-ack-before-mark", "exit-after-ack-before-mark"],
)
async def test_relay_killed_mid_sweep_then_restarted_gives_exactly_one_effect(
    stage: str,
    hook: str,
    pg_database_url: str,
    pg_sessions: Sessions,
    kafka_bootstrap_servers: str,
    make_topics: MakeTopics,
) -> None:
    topic, dead_letters = await make_topics(2)
    catalog = thing_catalog(topic)
    events = await add_things(pg_sessions, catalog, [("a", 1), ("b", 1), ("a", 2)])
    consumer = new_consumer(kafka_bootstrap_servers, pg_sessions, topic, dead_letters)

    async with running(consumer.run):
        relay = await RelayProcess.start(
            pg_database_url, kafka_bootstrap_servers, **{f"STEM_RELAY_CRASH_{stage}": hook}
        )
        await eventually(
            lambda: relay.logged("fault hook") or relay.proc.returncode is not None, 60
        )
        assert relay.logged(f"STEM_RELAY_CRASH_{stage}"), relay.lines
        code = await relay.kill9() if hook == "hang" else await relay.wait()
        assert code in (-signal.SIGKILL, 137), relay.lines

        # The crash left every row unsent; after the broker's ack the events are in Kafka.
        assert await count(pg_sessions, unsent()) == 3
        in_kafka = await read_topic(kafka_bootstrap_servers, topic)
        assert len(in_kafka) == (3 if stage == "AFTER_PUBLISH" else 0)

        restarted = await RelayProcess.start(pg_database_url, kafka_bootstrap_servers)
        await eventually(lambda: _none_unsent(pg_sessions), 60)
        restarted.proc.send_signal(signal.SIGTERM)
        assert await restarted.wait() == 0, restarted.lines  # clean shutdown on SIGTERM

        await eventually(lambda: _effects_seen(pg_sessions, 3), 60)
        if stage == "AFTER_PUBLISH":  # the re-sent copies reached the consumer and were skipped
            await eventually(lambda: handled(consumer, "duplicate") == 3, 60)

    records = await read_topic(kafka_bootstrap_servers, topic)
    copies = Counter(dict(r.headers)["ce_id"].decode() for r in records)
    assert copies == {e.id: (2 if stage == "AFTER_PUBLISH" else 1) for e in events}
    effects = await effect_rows(pg_sessions)
    assert sorted(e[0] for e in effects) == sorted(e.id for e in events)  # one effect per event
    assert [(t, n) for _, t, n in effects if t == "a"] == [("a", 1), ("a", 2)]
    assert await count(pg_sessions, inbox_count(consumer)) == 3
    assert handled(consumer, "handled") == 3
    assert handled(consumer, "duplicate") == (3 if stage == "AFTER_PUBLISH" else 0)


async def _none_unsent(sessions: Sessions) -> bool:
    return await count(sessions, unsent()) == 0


async def _effects_seen(sessions: Sessions, n: int) -> bool:
    return len(await effect_rows(sessions)) >= n


async def test_duplicate_delivery_has_no_second_effect(
    pg_sessions: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    topic, dead_letters = await make_topics(2)
    catalog = thing_catalog(topic)
    twice, other = thing_event(catalog, "k", 1), thing_event(catalog, "k", 2)
    await produce(
        kafka_bootstrap_servers, topic, [twice.to_kafka(), twice.to_kafka(), other.to_kafka()]
    )
    consumer = new_consumer(kafka_bootstrap_servers, pg_sessions, topic, dead_letters)

    async with running(consumer.run):
        await eventually(
            lambda: handled(consumer, "handled") + handled(consumer, "duplicate") == 3, 60
        )

    assert await effect_rows(pg_sessions) == [(twice.id, "k", 1), (other.id, "k", 2)]
    assert handled(consumer, "duplicate") == 1
    assert await count(pg_sessions, inbox_count(consumer)) == 2
    lags = [
        REGISTRY.get_sample_value(
            "stem_consumer_lag", {"consumer": consumer.name, "topic": topic, "partition": str(p)}
        )
        for p in range(3)
    ]
    assert [lag for lag in lags if lag is not None] == [0.0]  # one key: one partition, caught up
    runs = REGISTRY.get_sample_value(
        "stem_handler_duration_seconds_count", {"consumer": consumer.name}
    )
    assert runs == 2  # the duplicate never reached the handler


async def test_poison_message_goes_to_dead_letters_and_the_next_one_is_handled(
    pg_sessions: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    topic, dead_letters = await make_topics(2, partitions=1)
    catalog = thing_catalog(topic)
    before, poison, after = (thing_event(catalog, "k", n) for n in (1, 13, 2))
    garbage = (b"k", b"\xff not json", [("x-origin", b"somewhere")])
    last = thing_event(catalog, "k", 3)
    await produce(
        kafka_bootstrap_servers,
        topic,
        [before.to_kafka(), poison.to_kafka(), after.to_kafka(), garbage, last.to_kafka()],
    )

    async def allergic_to_13(session: AsyncSession, event: CloudEvent) -> None:
        await record_effect(session, event)
        if event.data["n"] == 13:
            raise ValueError("13 is poison")

    consumer = new_consumer(
        kafka_bootstrap_servers, pg_sessions, topic, dead_letters, allergic_to_13
    )
    async with running(consumer.run):
        await eventually(lambda: _effects_seen(pg_sessions, 3), 60)
        await eventually(lambda: _committed(kafka_bootstrap_servers, consumer.name, topic, 5), 30)

    assert [n for _, _, n in await effect_rows(pg_sessions)] == [1, 2, 3]  # poison rolled back
    assert await count(pg_sessions, inbox_count(consumer)) == 3
    letters = await read_topic(kafka_bootstrap_servers, dead_letters)
    assert len(letters) == 2
    first, second = (json.loads(r.value) for r in letters)
    assert letters[0].key == b"k"
    assert first["reason"] == {"type": "ValueError", "message": "13 is poison"}
    assert first["attempts"] == 3
    assert first["event_id"] == poison.id
    assert first["original"]["topic"] == topic
    assert first["original"]["offset"] == 1
    assert json.loads(first["original"]["value"]["data"]) == poison.data
    assert dict(letters[0].headers)["dlq_reason"] == b"ValueError: 13 is poison"
    assert second["reason"]["type"] == "EnvelopeError"
    assert second["attempts"] == 0
    assert second["original"]["offset"] == 3
    assert second["original"]["headers"] == [
        {"name": "x-origin", "encoding": "utf-8", "data": "somewhere"}
    ]
    dead = REGISTRY.get_sample_value("stem_dead_letters_total", {"consumer": consumer.name})
    assert dead == 2


async def test_a_rebalance_mid_stream_keeps_one_effect_per_event_and_per_key_order(
    pg_sessions: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    """A second group member joins while the first is busy: the revoke listener lets the
    message in hand finish and commits; no event gets a second effect, no key reorders."""
    topic, dead_letters = await make_topics(2, partitions=3)
    catalog = thing_catalog(topic)
    keys = [f"key-{i}" for i in range(6)]
    events = [thing_event(catalog, key, n) for n in range(15) for key in keys]
    await produce(kafka_bootstrap_servers, topic, [e.to_kafka() for e in events])

    calls: Counter[str] = Counter()

    def slow(member: str) -> Handler:
        async def handle(session: AsyncSession, event: CloudEvent) -> None:
            calls[member] += 1
            # Slow enough that the first member is still busy when the second has joined
            # (9 s for the 90 events alone): a consumer that settles chunks of events
            # finished them all before the rebalance with 30 ms.
            await asyncio.sleep(0.1)
            await record_effect(session, event)

        return handle

    fast_heartbeats = {"heartbeat_interval_ms": 100}  # notice the rebalance within 0.1 s
    first, second = (
        new_consumer(
            kafka_bootstrap_servers, pg_sessions, topic, dead_letters, slow(m), **fast_heartbeats
        )
        for m in ("1st", "2nd")
    )
    second.name = first.name  # same consumer group, same inbox
    async with running(first.run):
        await eventually(lambda: _effects_seen(pg_sessions, 10), 60)
        async with running(second.run):
            await eventually(lambda: _effects_seen(pg_sessions, len(events)), 120)

    effects = await effect_rows(pg_sessions)
    assert sorted(event_id for event_id, _, _ in effects) == sorted(e.id for e in events)
    per_key: dict[str, list[int]] = defaultdict(list)
    for _, key, n in effects:
        per_key[key].append(n)
    assert per_key == {key: list(range(15)) for key in keys}
    assert calls["1st"] > 0 and calls["2nd"] > 0, calls  # the group really rebalanced


async def _committed(bootstrap: str, group: str, topic: str, offset: int) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return any(tp.topic == topic and meta.offset == offset for tp, meta in offsets.items())


@pytest.mark.slow
async def test_a_30s_broker_outage_loses_no_event_and_keeps_per_key_order(
    pg_sessions: Sessions,
    kafka_bootstrap_servers: str,
    make_topics: MakeTopics,
    broker: BrokerControl,
) -> None:
    topic, dead_letters = await make_topics(2)
    catalog = thing_catalog(topic)
    keys = [f"key-{i}" for i in range(5)]
    next_n: dict[str, int] = defaultdict(int)
    added = {"before": 0, "during": 0, "after": 0}
    phase = "before"

    async def writer(stop: asyncio.Event) -> None:
        i = 0
        while not stop.is_set():
            key = keys[i % len(keys)]
            await add_things(pg_sessions, catalog, [(key, next_n[key])])
            next_n[key] += 1
            added[phase] += 1
            i += 1
            await asyncio.sleep(0.1)

    publisher = KafkaPublisher(kafka_bootstrap_servers, timeout=3.0)
    relay = OutboxRelay(
        service=f"it-outage-{uuid.uuid4().hex[:6]}",
        session_factory=pg_sessions,
        publisher=publisher,
        idle_interval=0.05,
        max_backoff=2.0,
    )
    consumer = new_consumer(kafka_bootstrap_servers, pg_sessions, topic, dead_letters)
    failures_before = _failures(relay.service)
    try:
        async with running(consumer.run), running(relay.run):
            async with running(writer):
                await asyncio.sleep(2)
                stopped_at = time.monotonic()
                await broker.stop()
                phase = "during"
                try:
                    await asyncio.sleep(30)
                finally:
                    phase = "after"
                    await broker.start()
                outage = time.monotonic() - stopped_at
                await asyncio.sleep(2)
            total = sum(added.values())
            await eventually(lambda: _effects_seen(pg_sessions, total), 180)
    finally:
        await publisher.stop()

    assert outage >= 30
    assert added["during"] >= 100, added  # the service kept writing during the outage
    assert _failures(relay.service) > failures_before  # the relay did see the broker down
    effects = await effect_rows(pg_sessions)
    assert len(effects) == total == len({event_id for event_id, _, _ in effects})
    per_key: dict[str, list[int]] = defaultdict(list)
    for _, key, n in effects:
        per_key[key].append(n)
    assert per_key == {key: list(range(next_n[key])) for key in keys}  # all, in order per key
    assert await count(pg_sessions, unsent()) == 0


def _failures(service: str) -> float:
    total = 0.0
    for family in REGISTRY.collect():
        if family.name == "stem_outbox_publish_failures":
            total += sum(
                s.value
                for s in family.samples
                if s.name.endswith("_total") and s.labels["service"] == service
            )
    return total
