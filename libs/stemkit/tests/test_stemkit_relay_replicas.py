"""Two relays running on one PostgreSQL database while writers commit (issue 19, ADR 0018):
every row is published once, and each key's events in the order they were committed. One
relay is active at a time (the advisory lock of each sweep); the other stands by and
sweeps when the lock is free, so either may publish a batch, never both at once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    FakePublisher,
    add_things,
    eventually,
    thing_catalog,
    unique_topic,
)
from stemkit.eventing.relay import OutboxMessage, OutboxRelay

Sessions = async_sessionmaker[AsyncSession]
pytestmark = pytest.mark.postgres


class SharedBroker(FakePublisher):
    """One topic both relays publish to (a little slow, so their sweeps overlap)."""

    def __init__(self, log: list[tuple[str, OutboxMessage]], name: str) -> None:
        super().__init__()
        self.log, self.name = log, name

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        await asyncio.sleep(0.01)
        self.log.extend((self.name, m) for m in messages)


async def test_two_relays_publish_each_row_once_in_key_order(pg_sessions: Sessions) -> None:
    catalog = thing_catalog(unique_topic())
    published: list[tuple[str, OutboxMessage]] = []
    relays = [
        OutboxRelay(
            service=f"replica-{name}-{uuid.uuid4().hex[:6]}",
            session_factory=pg_sessions,
            publisher=SharedBroker(published, name),
            batch_size=7,  # many sweeps
            idle_interval=0.01,
            coalesce=0.0,
        )
        for name in ("a", "b")
    ]
    stop = asyncio.Event()
    running = [asyncio.create_task(relay.run(stop)) for relay in relays]
    try:
        for burst in range(30):
            await add_things(
                pg_sessions, catalog, [(f"k{n % 3}", burst * 10 + n) for n in range(10)]
            )
            await asyncio.sleep(0.005)
        await eventually(lambda: len(published) >= 300, within=30)
        await asyncio.sleep(0.3)  # nothing more comes
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*running), 10)

    ids = Counter(m.event_id for _, m in published)
    assert len(ids) == 300 and set(ids.values()) == {1}  # each row once
    per_key: defaultdict[str, list[int]] = defaultdict(list)
    for _, message in published:
        per_key[message.key].append(message.event().data["n"])
    assert all(ns == sorted(ns) for ns in per_key.values())  # each key in commit order
    assert [m.seq for _, m in published] == sorted(m.seq for _, m in published)
