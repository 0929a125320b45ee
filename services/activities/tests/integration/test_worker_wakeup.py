"""The delivery worker sleeps until deliveries are stored (PostgreSQL NOTIFY), and
still polls where it cannot listen (SQLite)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import delivery_store
from activities.service_layer.processing import run_worker

Post = Callable[..., Awaitable[httpx.Response]]
Load = Callable[[str], dict[str, Any]]


async def _processed(sessions: async_sessionmaker[AsyncSession], within: float) -> float:
    """Seconds until nothing is left waiting (fails after `within`)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        async with sessions() as session:
            if await delivery_store.count(
                session, delivery_store.PROCESSED
            ) and not await delivery_store.count(session, delivery_store.RECEIVED):
                return time.monotonic() - started
        await asyncio.sleep(0.02)
    raise AssertionError(f"not processed within {within} s")


async def test_a_stored_delivery_wakes_the_sleeping_worker(
    settings: Any,
    sessions: async_sessionmaker[AsyncSession],
    post_document: Post,
    load_event: Load,
    uit: Any,
) -> None:
    postgres = settings.database_url.startswith("postgresql")
    stop = asyncio.Event()
    # Polls only once a minute on PostgreSQL: only the notification can wake it in time.
    worker = asyncio.create_task(
        run_worker(sessions, uit, stop, idle=0.05 if not postgres else 60, safety_poll=60)
    )
    try:
        await asyncio.sleep(0.5)  # listening, asleep
        await post_document(json.dumps(load_event("original")), process=False)
        took = await _processed(sessions, within=10)
        assert took < 5

        async with sessions.begin() as session:  # as the poller and the backfill store them
            other = load_event("original")
            other["@id"] = "https://io.uitdatabank.be/event/00000000-0000-4000-8000-0000000000f1"
            await delivery_store.record(session, "poller-1", json.dumps(other), "poller")
        took = await _processed(sessions, within=10)
        assert took < 5
    finally:
        stop.set()
        await asyncio.wait_for(worker, 10)
