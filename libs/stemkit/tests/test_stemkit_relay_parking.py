"""Issue 14, case 2: a row that can never be sent does not block the relay (ADR 0008).

On the REAL broker, on SQLite and on PostgreSQL: an event too large for the producer
(MessageSizeTooLargeError, ~2.2 MB over `MAX_MESSAGE_BYTES`) is parked with its reason,
counted in `stem_outbox_parked`, and every row behind it reaches the topic, except the
rows with its key, which wait parked behind it so that per-key order holds. Ops can put a
parked row back in line (after a fix) or discard it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    TopicAuthorizationFailedError,
)
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import SOURCE, eventually, read_topic, running
from stemkit.eventing.catalog import EventCatalog, EventType
from stemkit.eventing.kafka import MAX_MESSAGE_BYTES, KafkaPublisher, record_is_at_fault
from stemkit.eventing.outbox import add_event
from stemkit.eventing.relay import OutboxRelay
from stemkit.ops.outbox_parked import discard_parked, parked_rows, retry_parked
from stemkit.storage.db import outbox

pytestmark = [pytest.mark.kafka]

Sessions = async_sessionmaker[AsyncSession]
MakeTopics = Callable[..., Awaitable[list[str]]]
BLOB_TYPE = "be.vlaio.stem.test.blob.written.v1"
OVERSIZED = 2_200_000  # the activity event with ~30,000 subEvent dates


class BlobWritten(BaseModel):
    blob_id: str
    n: int
    text: str


def blob_catalog(topic: str) -> EventCatalog:
    return EventCatalog(
        [
            EventType(
                name=BLOB_TYPE,
                topic=topic,
                payload=BlobWritten,
                subject_field="blob_id",
                description="test event of any size",
            )
        ]
    )


async def add_blobs(
    sessions: Sessions, catalog: EventCatalog, items: list[tuple[str, int, int]]
) -> None:
    """One outbox row per (key, n, size of its text), committed in this order."""
    async with sessions() as session, session.begin():
        for key, n, size in items:
            event = catalog.new_event(BlobWritten(blob_id=key, n=n, text="x" * size), source=SOURCE)
            await add_event(session, catalog, event)


def new_relay(sessions: Sessions, publisher: KafkaPublisher) -> OutboxRelay:
    return OutboxRelay(
        service=f"parking-{uuid.uuid4().hex[:8]}",  # own metric labels per test run
        session_factory=sessions,
        publisher=publisher,
        idle_interval=0.05,
        max_backoff=0.5,
    )


def gauge(relay: OutboxRelay) -> float | None:
    return REGISTRY.get_sample_value("stem_outbox_parked", {"service": relay.service})


async def on_topic(bootstrap: str, topic: str) -> list[tuple[str, int]]:
    """(key, n) of every record on `topic`, per partition in offset order."""
    records = await read_topic(bootstrap, topic)
    return [(r.key.decode(), _n(r.value)) for r in records]


def _n(value: bytes) -> int:
    return int(BlobWritten.model_validate_json(value).n)


async def unsent_keys(sessions: Sessions) -> list[tuple[str, int, bool]]:
    async with sessions() as session:
        rows = await session.execute(
            select(outbox.c.key, outbox.c.seq, outbox.c.parked_at.is_not(None))
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.seq)
        )
        return [(r[0], r[1], bool(r[2])) for r in rows]


async def test_an_oversized_row_is_parked_and_the_rows_behind_it_reach_the_topic(
    db: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    [topic] = await make_topics(1, partitions=1)
    catalog = blob_catalog(topic)
    assert OVERSIZED > MAX_MESSAGE_BYTES
    await add_blobs(
        db, catalog, [("big", 1, OVERSIZED), ("b", 1, 10), ("big", 2, 10), ("c", 1, 10)]
    )
    publisher = KafkaPublisher(kafka_bootstrap_servers, timeout=5.0)
    relay = new_relay(db, publisher)
    try:
        async with running(relay.run):
            await eventually(lambda: _count(on_topic(kafka_bootstrap_servers, topic), 2), 30)
            await eventually(lambda: gauge(relay) == 2, 10)
    finally:
        await publisher.stop()

    # the rows behind it went out; its own key waits behind it (per-key order)
    assert await on_topic(kafka_bootstrap_servers, topic) == [("b", 1), ("c", 1)]
    parked = await parked_rows(db)
    assert [(p.key, p.blocked_by) for p in parked] == [("big", None), ("big", parked[0].seq)]
    assert "MessageSizeTooLargeError" in parked[0].reason
    assert "held behind" in parked[1].reason
    assert all(p.parked_at is not None for p in parked)
    # parked rows are not the backlog: the backlog alerts do not fire for ever on them
    backlog = {"service": relay.service}
    assert REGISTRY.get_sample_value("stem_outbox_backlog", backlog) == 0
    assert REGISTRY.get_sample_value("stem_outbox_oldest_unsent_age_seconds", backlog) == 0


async def test_a_parked_row_retried_after_a_fix_is_sent_and_its_key_follows_in_order(
    db: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    [topic] = await make_topics(1, partitions=1)
    catalog = blob_catalog(topic)
    items = [("k", 1, 50_000), ("o", 1, 10), ("k", 2, 10), ("k", 3, 10)]
    await add_blobs(db, catalog, items)
    small = KafkaPublisher(kafka_bootstrap_servers, timeout=5.0, max_request_size=20_000)
    relay = new_relay(db, small)
    try:
        async with running(relay.run):
            await eventually(lambda: gauge(relay) == 3, 30)
    finally:
        await small.stop()
    assert await on_topic(kafka_bootstrap_servers, topic) == [("o", 1)]

    # the fix: a producer that takes 50 kB; ops put the head of the key back in line
    head = (await parked_rows(db))[0]
    assert await retry_parked(db, head.seq) == 3  # it and the two held behind it
    assert await retry_parked(db, head.seq) is None  # no longer parked
    fixed = KafkaPublisher(kafka_bootstrap_servers, timeout=5.0)
    relay = new_relay(db, fixed)
    try:
        async with running(relay.run):
            await eventually(lambda: _count(on_topic(kafka_bootstrap_servers, topic), 4), 30)
            await eventually(lambda: gauge(relay) == 0, 10)
    finally:
        await fixed.stop()
    assert await on_topic(kafka_bootstrap_servers, topic) == [
        ("o", 1),
        ("k", 1),
        ("k", 2),
        ("k", 3),
    ]
    assert await unsent_keys(db) == []


async def test_a_discarded_row_releases_the_rows_held_behind_it(
    db: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    [topic] = await make_topics(1, partitions=1)
    catalog = blob_catalog(topic)
    await add_blobs(db, catalog, [("k", 1, OVERSIZED), ("k", 2, 10)])
    publisher = KafkaPublisher(kafka_bootstrap_servers, timeout=5.0)
    relay = new_relay(db, publisher)
    try:
        async with running(relay.run):
            await eventually(lambda: gauge(relay) == 2, 30)
            head = (await parked_rows(db))[0]
            assert await discard_parked(db, head.seq) == 1  # it is gone; one row released
            await eventually(lambda: _count(on_topic(kafka_bootstrap_servers, topic), 1), 30)
            await eventually(lambda: gauge(relay) == 0, 10)
    finally:
        await publisher.stop()
    assert await on_topic(kafka_bootstrap_servers, topic) == [("k", 2)]
    assert await unsent_keys(db) == []


async def test_an_unreachable_broker_parks_nothing(db: Sessions, make_topics: MakeTopics) -> None:
    """Not the row's fault: the sweep fails and is retried, the rows stay first in line."""
    [topic] = await make_topics(1, partitions=1)
    await add_blobs(db, blob_catalog(topic), [("k", 1, 10), ("k", 2, 10)])
    nowhere = KafkaPublisher("127.0.0.1:9", timeout=1.0, request_timeout_ms=1000)
    relay = new_relay(db, nowhere)
    try:
        for _ in range(3):
            with pytest.raises(KafkaConnectionError):
                await relay.relay_once()
    finally:
        await nowhere.stop()
    assert [parked for *_, parked in await unsent_keys(db)] == [False, False]
    async with db() as session:
        attempts = (await session.execute(select(outbox.c.attempts))).scalars().all()
    assert attempts == [3, 3]
    assert gauge(relay) == 0


@pytest.mark.parametrize(
    ("error", "at_fault"),
    [
        (MessageSizeTooLargeError("too big"), True),
        (ValueError("an envelope that is no CloudEvent"), True),
        (KafkaConnectionError("broker down"), False),
        (NotLeaderForPartitionError(), False),
        (KafkaTimeoutError(), False),
        (TopicAuthorizationFailedError(), False),
        (TimeoutError(), False),
    ],
)
def test_only_the_records_own_faults_park_it(error: BaseException, at_fault: bool) -> None:
    assert record_is_at_fault(error) is at_fault


async def _count(records: Awaitable[list[tuple[str, int]]], n: int) -> bool:
    return len(await records) >= n
