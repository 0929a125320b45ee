"""Test doubles and test-only event types for the relay and consumer tests.

Each test builds its own catalogue on its own topic (`thing_catalog(topic)`), so tests on
the shared broker never read each other's events.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.events.catalog import EventCatalog, EventType
from stemkit.events.envelope import CloudEvent
from stemkit.outbox import add_event
from stemkit.relay import OutboxMessage, PublishError

SOURCE = "urn:stem-platform:stemkit-tests"
THING_TYPE = "be.vlaio.stem.test.thing.happened.v1"

# The consumer's "effect" in tests: one row per handler run. No unique constraint on
# event_id on purpose: a second run of the handler for one event would show as a 2nd row.
test_metadata = MetaData()
effects = Table(
    "test_effects",
    test_metadata,
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
