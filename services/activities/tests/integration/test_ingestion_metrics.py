"""The metrics alerts watch on the ingestion path (issue 14): the age of the delivery
backlog, and when each kind of the poller last synced."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY, generate_latest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.orm import webhook_deliveries
from activities.service_layer import poller, processing

Post = Callable[..., Awaitable[httpx.Response]]
Drain = Callable[[], Awaitable[list[str]]]
Load = Callable[[str], dict[str, Any]]
BACKLOG = "stem_activities_delivery_backlog_oldest_age_seconds"


async def age_them(
    sessions: async_sessionmaker[AsyncSession], webhook_id: str, **values: datetime | None
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.webhook_id == webhook_id)
            .values(**values)
        )


async def test_the_backlog_age_is_how_long_the_oldest_due_delivery_has_waited(
    post_document: Post,
    load_event: Load,
    sessions: async_sessionmaker[AsyncSession],
    drain: Drain,
) -> None:
    assert await processing.measure_backlog(sessions) == 0
    now = datetime.now(UTC)
    other = load_event("original") | {"@id": "https://io.uitdatabank.be/event/" + "1" * 32}
    await post_document(load_event("original"), process=False, msg_id="msg_waiting")
    await post_document(json.dumps(other), process=False, msg_id="msg_later")
    await post_document(json.dumps({"@id": "x"}), process=False, msg_id="msg_retry_due")
    await age_them(sessions, "msg_waiting", received_at=now - timedelta(seconds=120))
    # Waiting for a retry an hour from now: not due, not backlog.
    await age_them(
        sessions,
        "msg_later",
        received_at=now - timedelta(hours=5),
        next_attempt_at=now + timedelta(hours=1),
    )
    # Received long ago, its retry came due 30 s ago: it has waited 30 s, not hours.
    await age_them(
        sessions,
        "msg_retry_due",
        received_at=now - timedelta(hours=3),
        next_attempt_at=now - timedelta(seconds=30),
    )

    age = await processing.measure_backlog(sessions)

    assert 120 <= age < 130
    assert REGISTRY.get_sample_value(BACKLOG) == age
    await drain()
    assert await processing.measure_backlog(sessions) == 0  # msg_later is not due yet


async def test_the_worker_updates_the_backlog_age_each_round(
    sessions: async_sessionmaker[AsyncSession], uit: Any
) -> None:
    processing.BACKLOG_OLDEST_AGE.set(-1)
    stop = asyncio.Event()
    task = asyncio.create_task(processing.run_worker(sessions, uit, stop, idle=0.05))
    try:
        for _ in range(100):
            if REGISTRY.get_sample_value(BACKLOG) == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert REGISTRY.get_sample_value(BACKLOG) == 0


@pytest.mark.parametrize("kind", ["event", "place", "organizer"])
def test_both_metrics_are_exported(kind: str) -> None:
    poller.LAST_SUCCESS.labels(kind)  # a kind shows once it has synced
    exported = generate_latest(REGISTRY).decode()

    assert f"# TYPE {BACKLOG} gauge" in exported
    assert "# TYPE stem_poller_last_success_timestamp_seconds gauge" in exported
    assert f'stem_poller_last_success_timestamp_seconds{{kind="{kind}"}}' in exported
