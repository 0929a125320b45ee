"""Retention of the delivery queue: processed deliveries past the retention are purged, in
batches, counted in a metric; waiting, retrying and quarantined ones are never touched."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.delivery_store import PROCESSED, QUARANTINED, RECEIVED
from activities.adapters.orm import webhook_deliveries
from activities.config import Settings
from activities.service_layer.retention import purge_once, run_purger

RETENTION = timedelta(days=30)


def purged_so_far() -> float:
    return REGISTRY.get_sample_value("stem_activities_deliveries_purged_total") or 0.0


async def store(
    sessions: async_sessionmaker[AsyncSession],
    webhook_id: str,
    status: str,
    *,
    received_days_ago: float,
    processed_days_ago: float | None = None,
    next_attempt: bool = False,
) -> None:
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        await session.execute(
            insert(webhook_deliveries).values(
                webhook_id=webhook_id,
                received_at=now - timedelta(days=received_days_ago),
                body="{}",
                status=status,
                source="webhook",
                processed_at=None
                if processed_days_ago is None
                else now - timedelta(days=processed_days_ago),
                next_attempt_at=now if next_attempt else None,
                error="a reason" if status == QUARANTINED else None,
            )
        )


async def stored_ids(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        return set((await session.scalars(select(webhook_deliveries.c.webhook_id))).all())


async def test_only_processed_deliveries_past_the_retention_are_purged(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await store(sessions, "processed-old", PROCESSED, received_days_ago=40, processed_days_ago=40)
    await store(sessions, "processed-at-31", PROCESSED, received_days_ago=60, processed_days_ago=31)
    await store(sessions, "processed-recent", PROCESSED, received_days_ago=5, processed_days_ago=5)
    # Received long ago, processed only last week (a replay after a fix): kept.
    await store(sessions, "processed-late", PROCESSED, received_days_ago=90, processed_days_ago=7)
    await store(sessions, "waiting-old", RECEIVED, received_days_ago=90)
    await store(sessions, "retrying-old", RECEIVED, received_days_ago=90, next_attempt=True)
    await store(
        sessions, "quarantined-old", QUARANTINED, received_days_ago=90, processed_days_ago=90
    )
    before = purged_so_far()

    purged = await purge_once(sessions, RETENTION)

    assert purged == 2
    assert purged_so_far() - before == 2
    assert await stored_ids(sessions) == {
        "processed-recent",
        "processed-late",
        "waiting-old",
        "retrying-old",
        "quarantined-old",
    }
    assert await purge_once(sessions, RETENTION) == 0  # nothing more to do


async def test_a_large_backlog_is_purged_in_batches(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old = datetime.now(UTC) - timedelta(days=45)
    async with sessions.begin() as session:
        await session.execute(
            insert(webhook_deliveries),
            [
                {
                    "webhook_id": f"msg_{i:04d}",
                    "received_at": old,
                    "body": "{}",
                    "status": PROCESSED if i % 10 else QUARANTINED,
                    "processed_at": old,
                    "source": "webhook",
                }
                for i in range(250)
            ],
        )

    purged = await purge_once(sessions, RETENTION, batch=40)  # 225 processed: 6 batches

    assert purged == 225
    assert await stored_ids(sessions) == {f"msg_{i:04d}" for i in range(0, 250, 10)}


async def test_the_worker_purges_on_its_schedule_until_stopped(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    assert settings.delivery_retention() == timedelta(days=30)  # the default
    assert Settings(delivery_retention_days=0).delivery_retention() is None  # kept for ever
    await store(sessions, "processed-old", PROCESSED, received_days_ago=40, processed_days_ago=40)
    stop = asyncio.Event()
    purger = asyncio.create_task(run_purger(sessions, stop, retention=RETENTION, interval=0.05))
    try:
        await asyncio.sleep(0.2)
        assert await stored_ids(sessions) == set()
        # Later rounds find what has aged past the retention since.
        await store(
            sessions, "processed-then", PROCESSED, received_days_ago=31, processed_days_ago=31
        )
        for _ in range(100):
            if not await stored_ids(sessions):
                break
            await asyncio.sleep(0.05)
        assert await stored_ids(sessions) == set()
    finally:
        stop.set()
        await asyncio.wait_for(purger, timeout=5)
