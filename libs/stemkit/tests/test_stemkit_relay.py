"""Unit tests of the outbox relay: an in-memory publisher, no broker.

Each test runs on SQLite and (marked `postgres`) on a fresh PostgreSQL database, where the
relay also takes its advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import Sequence

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    FakePublisher,
    add_things,
    eventually,
    thing_catalog,
    thing_event,
    unique_topic,
)
from stemkit.eventing.outbox import add_event
from stemkit.eventing.relay import OutboxMessage, OutboxRelay, PublishError
from stemkit.storage.db import outbox

Sessions = async_sessionmaker[AsyncSession]


def make_relay(
    sessions: Sessions,
    publisher: FakePublisher,
    service: str,
    *,
    batch_size: int = 500,
    idle_interval: float = 0.2,
    max_backoff: float = 30.0,
) -> OutboxRelay:
    return OutboxRelay(
        service=f"{service}-{uuid.uuid4().hex[:8]}",  # own metric labels per test run
        session_factory=sessions,
        publisher=publisher,
        batch_size=batch_size,
        idle_interval=idle_interval,
        max_backoff=max_backoff,
    )


async def outbox_rows(sessions: Sessions) -> list[tuple[int, str, bool, int, str | None]]:
    """(seq, key, sent?, attempts, last_error) per row, in seq order."""
    async with sessions() as session:
        result = await session.execute(
            select(
                outbox.c.seq, outbox.c.key, outbox.c.sent_at, outbox.c.attempts, outbox.c.last_error
            ).order_by(outbox.c.seq)
        )
        return [(r.seq, r.key, r.sent_at is not None, r.attempts, r.last_error) for r in result]


def metric(name: str, service: str, **labels: str) -> float:
    value = REGISTRY.get_sample_value(name, {"service": service, **labels})
    return 0.0 if value is None else value


async def test_publishes_in_seq_order_and_marks_sent(db: Sessions) -> None:
    catalog = thing_catalog(unique_topic())
    items = [("a", 1), ("b", 1), ("a", 2), ("c", 1), ("a", 3), ("b", 2)]
    events = await add_things(db, catalog, items)
    publisher = FakePublisher()
    relay = make_relay(db, publisher, "unit-order")

    assert await relay.relay_once() == 6
    assert await relay.relay_once() == 0

    assert [m.event_id for m in publisher.published] == [e.id for e in events]
    assert [m.seq for m in publisher.published] == sorted(m.seq for m in publisher.published)
    assert all(sent for _, _, sent, _, _ in await outbox_rows(db))
    first = publisher.published[0]
    assert first.topic == catalog.get(first.event_type).topic
    assert first.key == "a"
    assert first.event() == events[0]  # the envelope survives the round trip
    assert metric("stem_outbox_published_total", relay.service) == 6
    assert metric("stem_outbox_backlog", relay.service) == 0


async def test_batches_follow_batch_size(db: Sessions) -> None:
    await add_things(db, thing_catalog(unique_topic()), [("k", n) for n in range(7)])
    publisher = FakePublisher()
    relay = make_relay(db, publisher, "unit-batch", batch_size=3)

    assert [await relay.relay_once() for _ in range(4)] == [3, 3, 1, 0]
    assert [m.event().data["n"] for m in publisher.published] == list(range(7))


async def test_failed_publish_marks_nothing_and_records_the_error(
    db: Sessions,
) -> None:
    await add_things(db, thing_catalog(unique_topic()), [("k", 1), ("k", 2)])
    publisher = FakePublisher(fail_calls=1)
    relay = make_relay(db, publisher, "unit-fail")

    with pytest.raises(ConnectionError):
        await relay.relay_once()

    rows = await outbox_rows(db)
    assert [(sent, attempts) for _, _, sent, attempts, _ in rows] == [(False, 1), (False, 1)]
    assert all(err is not None and "ConnectionError" in err for *_, err in rows)
    assert metric("stem_outbox_backlog", relay.service) == 2
    assert metric("stem_outbox_publish_failures_total", relay.service, error="ConnectionError") == 1

    assert await relay.relay_once() == 2  # the broker is back: both go, in order
    assert [m.event().data["n"] for m in publisher.published] == [1, 2]
    assert all(sent for _, _, sent, _, _ in await outbox_rows(db))


async def test_stops_at_the_first_unacknowledged_row(db: Sessions) -> None:
    """Rows before the refused one are sent; it and everything after wait: no reordering."""
    items = [("a", 1), ("b", 1), ("a", 2), ("b", 2), ("a", 3)]
    await add_things(db, thing_catalog(unique_topic()), items)
    seqs = [seq for seq, *_ in await outbox_rows(db)]
    publisher = FakePublisher(fail_at_seq=seqs[2])
    relay = make_relay(db, publisher, "unit-prefix")

    for _ in range(3):  # however often it is retried, nothing after the refused row goes out
        with pytest.raises(PublishError):
            await relay.relay_once()
    rows = await outbox_rows(db)
    assert [sent for _, _, sent, _, _ in rows] == [True, True, False, False, False]
    assert [attempts for _, _, _, attempts, _ in rows] == [0, 0, 3, 3, 3]
    assert "FakeRefusal" in (rows[2][4] or "")
    assert metric("stem_outbox_publish_failures_total", relay.service, error="FakeRefusal") == 3

    publisher.fail_at_seq = None
    assert await relay.relay_once() == 3
    published = [(m.key, m.event().data["n"]) for m in publisher.published]
    assert published == items  # each row once, in seq order, so per key in order too


async def test_run_backs_off_and_retries_until_the_publisher_recovers(
    db: Sessions,
) -> None:
    await add_things(db, thing_catalog(unique_topic()), [("k", n) for n in range(3)])
    call_times: list[float] = []

    class TimedPublisher(FakePublisher):
        async def publish(self, messages: Sequence[OutboxMessage]) -> None:
            call_times.append(time.monotonic())
            await super().publish(messages)

    publisher = TimedPublisher(fail_calls=4)
    relay = make_relay(db, publisher, "unit-backoff", idle_interval=0.01, max_backoff=0.4)
    relay_backoff_initial = 0.4  # min(0.5, max_backoff)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await eventually(lambda: len(publisher.published) == 3)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)

    assert publisher.calls >= 5  # 4 failures, then success
    gaps = [b - a for a, b in itertools.pairwise(call_times[:5])]
    # after a failure it waits (jittered into [d/2, d]); never hammers the broker
    assert all(gap >= relay_backoff_initial / 2 - 0.02 for gap in gaps), gaps
    assert [m.event().data["n"] for m in publisher.published] == [0, 1, 2]
    assert metric("stem_outbox_publish_failures_total", relay.service, error="ConnectionError") == 4
    assert task.done() and task.exception() is None


async def test_run_keeps_sweeping_new_rows_and_stops_on_request(db: Sessions) -> None:
    catalog = thing_catalog(unique_topic())
    publisher = FakePublisher()
    relay = make_relay(db, publisher, "unit-sweep", idle_interval=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    for n in range(5):
        await add_things(db, catalog, [("k", n)])
        await asyncio.sleep(0.02)
    await eventually(lambda: len(publisher.published) == 5)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert [m.event().data["n"] for m in publisher.published] == list(range(5))


async def test_writers_are_not_blocked_while_a_batch_is_being_published(
    db: Sessions,
) -> None:
    """The service keeps committing outbox rows (SQLite) while the relay waits for acks."""
    catalog = thing_catalog(unique_topic())
    await add_things(db, catalog, [("k", 0)])

    class WritingPublisher(FakePublisher):
        async def publish(self, messages: Sequence[OutboxMessage]) -> None:
            if self.calls == 0:
                await add_things(db, catalog, [("k", 1)])
            await super().publish(messages)

    publisher = WritingPublisher()
    relay = make_relay(db, publisher, "unit-writers")
    assert await relay.relay_once() == 1
    assert await relay.relay_once() == 1
    assert [m.event().data["n"] for m in publisher.published] == [0, 1]


async def test_backlog_metrics_report_the_oldest_unsent_row(db: Sessions) -> None:
    await add_things(db, thing_catalog(unique_topic()), [("k", 1), ("k", 2)])
    await asyncio.sleep(0.3)
    publisher = FakePublisher(fail_calls=1)
    relay = make_relay(db, publisher, "unit-metrics")
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    assert metric("stem_outbox_backlog", relay.service) == 2
    age = metric("stem_outbox_oldest_unsent_age_seconds", relay.service)
    assert 0.3 <= age < 30
    await relay.relay_once()
    assert metric("stem_outbox_backlog", relay.service) == 0
    assert metric("stem_outbox_oldest_unsent_age_seconds", relay.service) == 0


@pytest.mark.postgres
async def test_a_second_relay_stands_by_while_the_first_holds_the_lock(
    pg_sessions: Sessions,
) -> None:
    """PostgreSQL: two relays on one database never publish concurrently (no reordering)."""
    await add_things(pg_sessions, thing_catalog(unique_topic()), [("k", n) for n in range(3)])
    entered, release = asyncio.Event(), asyncio.Event()

    class SlowPublisher(FakePublisher):
        async def publish(self, messages: Sequence[OutboxMessage]) -> None:
            entered.set()
            await release.wait()
            await super().publish(messages)

    first, second = SlowPublisher(), FakePublisher()
    relay_a = make_relay(pg_sessions, first, "pg-lock-a")
    relay_b = make_relay(pg_sessions, second, "pg-lock-b")
    sweep_a = asyncio.create_task(relay_a.relay_once())
    await asyncio.wait_for(entered.wait(), 10)

    assert await relay_b.relay_once() == 0  # A holds the lock mid-publish: B stands by
    assert second.calls == 0
    release.set()
    assert await sweep_a == 3

    await add_things(pg_sessions, thing_catalog(unique_topic()), [("k", 3)])
    assert await relay_b.relay_once() == 1  # the lock went with A's transaction
    assert [m.event().data["n"] for m in [*first.published, *second.published]] == [0, 1, 2, 3]


@pytest.mark.postgres
async def test_a_commit_wakes_an_idle_relay_at_once_and_a_rollback_does_not(
    pg_sessions: Sessions,
) -> None:
    """PostgreSQL: the outbox's NOTIFY at commit wakes the relay long before its next poll."""
    catalog = thing_catalog(unique_topic())
    publisher = FakePublisher()
    relay = OutboxRelay(
        service=f"pg-notify-{uuid.uuid4().hex[:8]}",
        session_factory=pg_sessions,
        publisher=publisher,
        idle_interval=0.05,
        listen_idle_interval=60.0,  # only a notification can wake it within the test
    )
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.5)  # idle, listening, waiting up to a minute
        with contextlib.suppress(RuntimeError):
            async with pg_sessions() as session, session.begin():
                await add_event(session, catalog, thing_event(catalog, "k", 0))
                raise RuntimeError("rolled back: no row, no notification")
        await asyncio.sleep(0.3)
        assert publisher.published == []
        started = time.perf_counter()
        await add_things(pg_sessions, catalog, [("k", 1), ("k", 2)])
        await eventually(lambda: len(publisher.published) == 2, within=5)
        assert time.perf_counter() - started < 5
        assert [m.event().data["n"] for m in publisher.published] == [1, 2]
    finally:
        stop.set()
        await running
