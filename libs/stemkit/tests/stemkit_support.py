"""Test doubles and test-only event types for the relay and consumer tests.

Each test builds its own catalogue on its own topic (`thing_catalog(topic)`), so tests on
the shared broker never read each other's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing.catalog import EventCatalog, EventType
from stemkit.eventing.envelope import CloudEvent, Headers
from stemkit.eventing.outbox import add_event
from stemkit.eventing.relay import OutboxMessage, PublishError

_REPO = Path(__file__).resolve().parents[3]
_KAFKA_TOOL = _REPO / "tools" / "infra" / "kafka.py"
SOURCE = "urn:stem-platform:stemkit-tests"
THING_TYPE = "be.vlaio.stem.test.thing.happened.v1"

# The consumer's "effect" in tests: one row per handler run. No unique constraint on
# event_id on purpose: a second run of the handler for one event would show as a 2nd row.
effects_metadata = MetaData()
effects = Table(
    "test_effects",
    effects_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("thing_id", String(64), nullable=False),
    Column("n", Integer, nullable=False),
)


class ThingHappened(BaseModel):
    thing_id: str
    n: int


def unique_topic(prefix: str = "stemtest") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}.v1"


def thing_catalog(topic: str) -> EventCatalog:
    return EventCatalog(
        [
            EventType(
                name=THING_TYPE,
                topic=topic,
                payload=ThingHappened,
                subject_field="thing_id",
                description="test event",
            )
        ]
    )


def thing_event(catalog: EventCatalog, thing_id: str, n: int) -> CloudEvent:
    return catalog.new_event(ThingHappened(thing_id=thing_id, n=n), source=SOURCE)


async def add_things(
    session_factory: async_sessionmaker[AsyncSession],
    catalog: EventCatalog,
    items: Sequence[tuple[str, int]],
) -> list[CloudEvent]:
    """Commit one outbox row per (thing_id, n), in this order; the events."""
    events = [thing_event(catalog, thing_id, n) for thing_id, n in items]
    async with session_factory() as session, session.begin():
        for event in events:
            await add_event(session, catalog, event)
    return events


async def record_effect(session: AsyncSession, event: CloudEvent) -> None:
    """A handler: writes one effect row per call."""
    await session.execute(
        insert(effects).values(
            event_id=event.id, thing_id=event.data["thing_id"], n=event.data["n"]
        )
    )


async def effect_rows(
    session_factory: async_sessionmaker[AsyncSession],
) -> list[tuple[str, str, int]]:
    """(event_id, thing_id, n) of every effect, in insertion order."""
    async with session_factory() as session:
        result = await session.execute(
            select(effects.c.event_id, effects.c.thing_id, effects.c.n).order_by(effects.c.id)
        )
        return [(r.event_id, r.thing_id, r.n) for r in result]


@dataclass
class FakePublisher:
    """In-memory Publisher: records what was acknowledged, fails on demand.

    `fail_calls`: the next N publish() calls raise before acknowledging anything.
    `fail_at_seq`: a call that contains this seq acknowledges only the messages before it
    and raises PublishError (like a broker refusing that one message).
    """

    published: list[OutboxMessage] = field(default_factory=list)
    calls: int = 0
    fail_calls: int = 0
    fail_at_seq: int | None = None

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        self.calls += 1
        if self.fail_calls > 0:
            self.fail_calls -= 1
            raise ConnectionError("broker unreachable (fake)")
        for index, message in enumerate(messages):
            if message.seq == self.fail_at_seq:
                raise PublishError(
                    f"message seq {message.seq} refused (fake)",
                    acknowledged=index,
                    error_type="FakeRefusal",
                )
            self.published.append(message)


@dataclass(frozen=True)
class FakeRecord:
    """Stands in for aiokafka's ConsumerRecord."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]
    timestamp: int = 0

    @classmethod
    def of(cls, event: CloudEvent, offset: int = 0, topic: str = "t.v1") -> FakeRecord:
        key, value, headers = event.to_kafka()
        return cls(topic=topic, partition=0, offset=offset, key=key, value=value, headers=headers)


async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float = 10.0) -> None:
    """Poll `check` until it is true; fail after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(
    loop_fn: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
) -> AsyncIterator[None]:
    """Run `loop_fn(stop)` (a relay or consumer) in a task; stop it and surface its errors."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop_fn(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)  # re-raises whatever crashed the loop


async def read_topic(bootstrap_servers: str, topic: str) -> list[Any]:
    """Every record now in `topic` (all partitions, no consumer group), by partition/offset."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(await _partitions(bootstrap_servers, topic))
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=1000)
                records.extend(batch.get(tp, []))
        return records
    finally:
        await consumer.stop()


async def _partitions(bootstrap_servers: str, topic: str) -> set[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = {int(p["partition"]) for p in described["partitions"]}
    if not partitions:
        raise AssertionError(f"topic {topic} has no partitions: {described}")
    return partitions


async def produce(
    bootstrap_servers: str, topic: str, messages: Sequence[tuple[bytes | None, bytes, Headers]]
) -> None:
    """Send raw (key, value, headers) messages, in order, and wait for the acks."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=True)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value=value, key=key, headers=headers)
            for key, value, headers in messages
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


@dataclass
class BrokerControl:
    """Stop and restart the test broker (same folder, same ports) with tools/infra/kafka.py."""

    kafka_dir: str
    port: int

    async def _tool(self, *args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(_KAFKA_TOOL),
            *args,
            cwd=_REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        return proc.returncode or 0, out.decode(errors="replace")

    async def stop(self) -> None:
        code, out = await self._tool("stop", "--dir", self.kafka_dir)
        if code != 0:
            raise RuntimeError(f"kafka.py stop failed:\n{out}")

    async def start(self, within: float = 120.0) -> None:
        """Start the broker again; retried, since the port may still be held in TIME_WAIT
        for up to 60 s after the broker closed its connections."""
        args = ["start", "--dir", self.kafka_dir, "--port", str(self.port)]
        state = Path(self.kafka_dir) / "kafka.json"
        if state.is_file():  # keep the controller port the storage was formatted with
            controller_port = json.loads(state.read_text()).get("controller_port")
            if controller_port:
                args += ["--controller-port", str(controller_port)]
        deadline = asyncio.get_running_loop().time() + within
        while True:
            code, out = await self._tool(*args)
            if code == 0:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"kafka.py {' '.join(args)} failed:\n{out}")
            await asyncio.sleep(2)
