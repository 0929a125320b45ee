"""The consumer settles a fetched batch in chunks, one database transaction per chunk.

`process_chunk` on SQLite and on a new PostgreSQL database (fixture `db`), with fake Kafka
records; then the whole loop (`run`) on the REAL broker and PostgreSQL, with `batch_size`
1 (a transaction per message) and the default.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    THING_TYPE,
    FakeRecord,
    effect_rows,
    eventually,
    produce,
    read_topic,
    record_effect,
    running,
    thing_catalog,
    thing_event,
    unique_topic,
)
from libs.stemkit.tests.test_stemkit_consumer import FakeDeadLetters
from stemkit.eventing.consumer import BATCH_SIZE, EventConsumer, Handler, Outcome
from stemkit.eventing.envelope import CloudEvent, Headers
from stemkit.logging import configure_logging
from stemkit.storage.db import inbox

Sessions = async_sessionmaker[AsyncSession]
MakeTopics = Callable[..., Awaitable[list[str]]]
Message = tuple[bytes | None, bytes, Headers]
CATALOG = thing_catalog(unique_topic())
H, D, X = Outcome.HANDLED, Outcome.DUPLICATE, Outcome.DEAD_LETTERED


def make_consumer(
    sessions: Sessions,
    handler: Handler = record_effect,
    *,
    batch_size: int = BATCH_SIZE,
    chunk_seconds: float = 60.0,  # chunks end by size here, even on a slow machine
    max_attempts: int = 3,
    bootstrap: str = "unused:9092",
    topic: str = "t.v1",
    dead_letters: str = "t.dead-letters.v1",
) -> EventConsumer:
    return EventConsumer(
        name=f"chunk-{uuid.uuid4().hex[:10]}",
        topics=[topic],
        bootstrap_servers=bootstrap,
        session_factory=sessions,
        handler=handler,
        dead_letter_topic=dead_letters,
        max_attempts=max_attempts,
        retry_backoff=0.01,
        max_retry_backoff=0.05,
        batch_size=batch_size,
        chunk_seconds=chunk_seconds,
    )


def records_of(*events: CloudEvent) -> list[FakeRecord]:
    return [FakeRecord.of(e, offset=n) for n, e in enumerate(events)]


def garbage(offset: int) -> FakeRecord:
    return FakeRecord(topic="t.v1", partition=0, offset=offset, key=b"g", value=b"{", headers=[])


@contextmanager
def counting_statements(sessions: Sessions) -> Iterator[Counter[str]]:
    """Counts the SQL statements run on the sessions' engine, by their first 3 words, and
    the transactions committed (as "COMMIT": the driver commits without a statement)."""
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    seen: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen[" ".join(statement.split()[:3])] += 1

    def commit(_conn: Any) -> None:
        seen["COMMIT"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    event.listen(engine.sync_engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        event.remove(engine.sync_engine, "commit", commit)


def inbox_reads(statements: Counter[str]) -> int:
    return sum(n for s, n in statements.items() if s.startswith("SELECT inbox.event_id"))


def inbox_writes(statements: Counter[str]) -> int:
    return sum(n for s, n in statements.items() if s.startswith("INSERT INTO inbox"))


async def inbox_ids(sessions: Sessions, consumer: EventConsumer) -> set[str]:
    async with sessions() as session:
        found = await session.scalars(
            select(inbox.c.event_id).where(inbox.c.consumer == consumer.name)
        )
        return set(found)


def handled(consumer: EventConsumer, outcome: str) -> float:
    labels = {"consumer": consumer.name, "type": THING_TYPE, "outcome": outcome}
    return REGISTRY.get_sample_value("stem_events_handled_total", labels) or 0.0


def handler_runs(consumer: EventConsumer) -> float:
    labels = {"consumer": consumer.name}
    return REGISTRY.get_sample_value("stem_handler_duration_seconds_count", labels) or 0.0


# -- process_chunk, on SQLite and PostgreSQL ----------------------------------------------


async def test_one_transaction_settles_the_chunk_and_skips_duplicates_seen_or_repeated(
    db: Sessions, capsys: pytest.CaptureFixture[str]
) -> None:
    consumer = make_consumer(db)
    seen_before, b, c = (thing_event(CATALOG, "k", n) for n in (1, 2, 3))
    stop, dead = asyncio.Event(), FakeDeadLetters()
    assert await consumer.process(FakeRecord.of(seen_before), stop, dead) is H

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("chunk-logs", "DEBUG")  # "event handled" is a DEBUG line
    try:
        with counting_statements(db) as statements:
            outcomes = await consumer.process_chunk(records_of(b, seen_before, c, b), stop, dead)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]

    assert outcomes == [H, D, H, D]
    assert [n for _, _, n in await effect_rows(db)] == [1, 2, 3]  # each handled once
    assert await inbox_ids(db, consumer) == {seen_before.id, b.id, c.id}
    assert inbox_reads(statements) == 1  # one SELECT ... IN for the chunk
    assert inbox_writes(statements) == 1  # both rows in one INSERT
    assert statements["COMMIT"] == 1
    assert handled(consumer, "handled") == 3  # 1 before the chunk, 2 in it
    assert handled(consumer, "duplicate") == 2
    assert handler_runs(consumer) == 3
    assert dead.sent == []
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    settled = [(r["message"], r["event_id"], r["offset"]) for r in lines if "offset" in r]
    assert settled == [
        ("event handled", b.id, 0),
        ("event duplicate", seen_before.id, 1),
        ("event handled", c.id, 2),
        ("event duplicate", b.id, 3),
    ]


async def test_a_poison_message_mid_chunk_dead_letters_only_itself(db: Sessions) -> None:
    calls: Counter[int] = Counter()

    async def allergic_to_13(session: AsyncSession, event: CloudEvent) -> None:
        calls[event.data["n"]] += 1
        await record_effect(session, event)
        if event.data["n"] == 13:
            raise ValueError("13 is poison")

    consumer = make_consumer(db, allergic_to_13, max_attempts=3)
    events = [thing_event(CATALOG, "k", n) for n in (1, 2, 13, 3, 4)]
    dead = FakeDeadLetters()

    outcomes = await consumer.process_chunk(records_of(*events), asyncio.Event(), dead)

    assert outcomes == [H, H, X, H, H]
    assert [n for _, _, n in await effect_rows(db)] == [1, 2, 3, 4]  # once each, in order
    assert await inbox_ids(db, consumer) == {e.id for e in events} - {events[2].id}
    if db.kw["bind"].dialect.name == "postgresql":
        # the poison's savepoint was rolled back, 1 and 2 committed, the poison settled
        # alone, the rest in a new chunk: no good message ran twice (ADR 0018)
        assert calls == {1: 1, 2: 1, 13: 1 + 3, 3: 1, 4: 1}
    else:
        # SQLite: the chunk ran up to the poison and was rolled back; then one at a time
        assert calls == {1: 2, 2: 2, 13: 1 + 3, 3: 1, 4: 1}
    [(_, letter, _)] = dead.sent
    assert letter["event_id"] == events[2].id
    assert letter["attempts"] == 3
    assert handled(consumer, "handled") == 4
    assert handled(consumer, "dead_lettered") == 1


async def test_a_message_that_is_not_a_cloudevent_ends_the_chunk(db: Sessions) -> None:
    consumer = make_consumer(db)
    one, two, three = (thing_event(CATALOG, "k", n) for n in (1, 2, 3))
    records = [*records_of(one, two), garbage(2), FakeRecord.of(three, offset=3)]
    stop, dead = asyncio.Event(), FakeDeadLetters()

    assert await consumer.process_chunk(records, stop, dead) == [H, H]
    assert dead.sent == []
    assert await consumer.process_chunk(records[2:], stop, dead) == [X]
    [(_, letter, _)] = dead.sent
    original = letter["original"]
    assert isinstance(original, dict) and original["offset"] == 2
    assert await consumer.process_chunk(records[3:], stop, dead) == [H]
    assert [n for _, _, n in await effect_rows(db)] == [1, 2, 3]


async def test_a_database_outage_in_a_chunk_is_waited_out_without_dead_letters(
    db: Sessions,
) -> None:
    calls = 0

    async def db_down_for_a_while(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        if calls <= 4:  # the chunk's try, then more often than max_attempts
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("db down"))
        await record_effect(session, event)

    async def database_down() -> bool:  # the database answers no query either meanwhile
        return calls > 4

    consumer = make_consumer(db, db_down_for_a_while, max_attempts=2)
    consumer.database_answers = database_down  # type: ignore[method-assign]
    events = [thing_event(CATALOG, "k", n) for n in range(4)]
    dead = FakeDeadLetters()

    outcomes = await consumer.process_chunk(records_of(*events), asyncio.Event(), dead)

    assert outcomes == [H, H, H, H]
    assert [n for _, _, n in await effect_rows(db)] == [0, 1, 2, 3]
    assert calls == 4 + 4
    assert dead.sent == []


async def test_a_chunk_is_at_most_batch_size_and_one_means_one_message(db: Sessions) -> None:
    events = [thing_event(CATALOG, "k", n) for n in range(5)]
    stop, dead = asyncio.Event(), FakeDeadLetters()

    three = make_consumer(db, batch_size=3)
    assert await three.process_chunk(records_of(*events), stop, dead) == [H, H, H]

    one = make_consumer(db, batch_size=1)
    with counting_statements(db) as statements:
        assert await one.process_chunk(records_of(*events), stop, dead) == [H]
    assert inbox_reads(statements) == 1 and statements["COMMIT"] == 1

    with pytest.raises(ValueError, match="batch_size"):
        make_consumer(db, batch_size=0)


async def test_a_chunk_takes_no_new_message_after_chunk_seconds(db: Sessions) -> None:
    async def slow(session: AsyncSession, event: CloudEvent) -> None:
        await asyncio.sleep(0.05)
        await record_effect(session, event)

    consumer = make_consumer(db, slow, chunk_seconds=0.1)
    records = records_of(*(thing_event(CATALOG, "k", n) for n in range(10)))
    stop, dead = asyncio.Event(), FakeDeadLetters()

    first = await consumer.process_chunk(records, stop, dead)
    assert 1 <= len(first) < 10  # all ten take 0.5 s
    assert len(await effect_rows(db)) == len(first)  # committed
    done = len(first)
    while done < 10:
        outcomes = await consumer.process_chunk(records[done:], stop, dead)
        assert outcomes and set(outcomes) == {H}
        done += len(outcomes)
    assert [n for _, _, n in await effect_rows(db)] == list(range(10))


async def test_stop_while_settling_a_failed_chunk_one_by_one_returns_what_was_settled(
    db: Sessions,
) -> None:
    stop = asyncio.Event()

    async def fails_at_2(session: AsyncSession, event: CloudEvent) -> None:
        if event.data["n"] == 2:
            stop.set()
            raise RuntimeError("boom")
        await record_effect(session, event)

    consumer = make_consumer(db, fails_at_2, max_attempts=5)
    events = [thing_event(CATALOG, "k", n) for n in range(4)]
    dead = FakeDeadLetters()

    if db.kw["bind"].dialect.name == "postgresql":
        # The handler at 2 fails in its savepoint and sets `stop`: the two before it are
        # committed, nothing more is started (ADR 0018).
        assert await consumer.process_chunk(records_of(*events), stop, dead) == [H, H]
        stop.clear()
    else:
        # The chunk fails and sets `stop`: nothing more is started, nothing is settled.
        assert await consumer.process_chunk(records_of(*events), stop, dead) == []
        assert await effect_rows(db) == []
        stop.clear()
        assert await consumer.process_chunk(records_of(*events[:2]), stop, dead) == [H, H]
    # Alone, the message at 2 fails again and `stop` comes during its retries.
    assert await consumer.process_chunk(records_of(*events[2:3]), stop, dead) == []
    assert [n for _, _, n in await effect_rows(db)] == [0, 1]
    assert await inbox_ids(db, consumer) == {events[0].id, events[1].id}
    assert dead.sent == []


async def test_stop_or_a_rebalance_mid_chunk_commits_what_was_handled(db: Sessions) -> None:
    stop = asyncio.Event()
    consumer = make_consumer(db)

    async def stops_at_1(session: AsyncSession, event: CloudEvent) -> None:
        await record_effect(session, event)
        if event.data["n"] == 1:
            stop.set()

    consumer.handler = stops_at_1
    events = [thing_event(CATALOG, "k", n) for n in range(4)]
    dead = FakeDeadLetters()
    assert await consumer.process_chunk(records_of(*events), stop, dead) == [H, H]
    assert [n for _, _, n in await effect_rows(db)] == [0, 1]

    async def rebalance_at_2(session: AsyncSession, event: CloudEvent) -> None:
        await record_effect(session, event)
        if event.data["n"] == 2:
            consumer._revoking = True  # what the revoke listener does

    consumer.handler = rebalance_at_2
    assert await consumer.process_chunk(records_of(*events[2:]), asyncio.Event(), dead) == [H]
    assert [n for _, _, n in await effect_rows(db)] == [0, 1, 2]
    assert await inbox_ids(db, consumer) == {e.id for e in events[:3]}


# -- the loop, on the real broker and PostgreSQL ------------------------------------------


async def _committed(bootstrap: str, group: str, topic: str) -> int | None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return next((m.offset for tp, m in offsets.items() if tp.topic == topic), None)


@pytest.mark.kafka
@pytest.mark.postgres
@pytest.mark.parametrize("batch_size", [1, BATCH_SIZE])
async def test_the_loop_on_kafka_handles_each_event_once_in_order(
    batch_size: int, pg_sessions: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    """One partition: an event seen before, a repeated one, a poison one, a non-CloudEvent
    and a short database outage, in one fetched batch."""
    topic, dead_letters = await make_topics(2, partitions=1)
    catalog = thing_catalog(topic)
    seen_before, b, c, poison, d, e = (thing_event(catalog, "k", n) for n in (0, 1, 2, 13, 3, 4))
    not_an_event: Message = (b"k", b"\xff not json", [("x-origin", b"somewhere")])
    outage = {"left": 2}

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        if event.data["n"] == 3 and outage["left"] > 0:
            outage["left"] -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("db down"))
        await record_effect(session, event)
        if event.data["n"] == 13:
            raise ValueError("13 is poison")

    consumer = make_consumer(
        pg_sessions,
        handler,
        batch_size=batch_size,
        bootstrap=kafka_bootstrap_servers,
        topic=topic,
        dead_letters=dead_letters,
    )
    async with pg_sessions() as session, session.begin():
        row = {"consumer": consumer.name, "event_id": seen_before.id}
        await session.execute(
            insert(inbox).values(**row, event_type=THING_TYPE, handled_at=datetime.now(UTC))
        )
    messages = [x.to_kafka() for x in (b, seen_before, c, b, poison, d)]
    await produce(kafka_bootstrap_servers, topic, [*messages, not_an_event, e.to_kafka()])

    async with running(consumer.run):
        await eventually(
            lambda: _committed_at(kafka_bootstrap_servers, consumer.name, topic, 8), 60
        )

    assert [n for _, _, n in await effect_rows(pg_sessions)] == [1, 2, 3, 4]
    assert await inbox_ids(pg_sessions, consumer) == {seen_before.id, b.id, c.id, d.id, e.id}
    assert handled(consumer, "handled") == 4
    assert handled(consumer, "duplicate") == 2
    assert handled(consumer, "dead_lettered") == 1  # the other one has no type: "unknown"
    dead = REGISTRY.get_sample_value("stem_dead_letters_total", {"consumer": consumer.name})
    assert dead == 2
    letters = [json.loads(r.value) for r in await read_topic(kafka_bootstrap_servers, dead_letters)]
    assert [(x["original"]["offset"], x["reason"]["type"]) for x in letters] == [
        (4, "ValueError"),
        (6, "EnvelopeError"),
    ]
    async with pg_sessions() as session:
        inbox_rows = await session.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.consumer == consumer.name)
        )
    assert inbox_rows == 5
    assert outage["left"] == 0  # the outage did happen, and was waited out


async def _committed_at(bootstrap: str, group: str, topic: str, offset: int) -> bool:
    return await _committed(bootstrap, group, topic) == offset


@pytest.mark.kafka
@pytest.mark.postgres
async def test_many_events_take_few_transactions(
    pg_sessions: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    topic, dead_letters = await make_topics(2, partitions=1)
    catalog = thing_catalog(topic)
    events = [thing_event(catalog, "k", n) for n in range(300)]
    await produce(kafka_bootstrap_servers, topic, [e.to_kafka() for e in events])
    consumer = make_consumer(
        pg_sessions, bootstrap=kafka_bootstrap_servers, topic=topic, dead_letters=dead_letters
    )

    with counting_statements(pg_sessions) as statements:
        async with running(consumer.run):
            await eventually(
                lambda: _committed_at(kafka_bootstrap_servers, consumer.name, topic, 300), 60
            )

    assert [n for _, _, n in await effect_rows(pg_sessions)] == list(range(300))
    assert handled(consumer, "handled") == 300
    # at most 100 per chunk; a fetch may end a chunk early, so allow a few more
    assert 3 <= statements["COMMIT"] <= 30, statements
    assert inbox_reads(statements) == statements["COMMIT"]
