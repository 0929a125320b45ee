"""Retention of the outbox and inbox (issue 17), on SQLite and PostgreSQL: sent outbox rows
and inbox rows older than their retention are purged in batches, unsent and parked outbox
rows never, recent rows stay; the purge is counted per service and table; the settings
refuse a retention within the redelivery window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.config import Settings as RegistrySettings
from stemkit.eventing.retention import purge_once, run_retention
from stemkit.storage.db import inbox, outbox

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime.now(UTC)
DAY = timedelta(days=1)


async def _fill(sessions: Sessions) -> None:
    """Outbox: 5 sent 40 days ago, 2 sent yesterday, 1 unsent and 1 parked from 90 days ago.
    Inbox: 5 handled 40 days ago (two consumers), 2 handled yesterday."""
    rows = []
    for n in range(9):
        created = NOW - 90 * DAY
        sent = NOW - 40 * DAY if n < 5 else NOW - DAY if n < 7 else None
        rows.append(
            {
                "event_id": f"e{n}",
                "topic": "t",
                "key": f"k{n}",
                "event_type": "T",
                "envelope": "{}",
                "created_at": created,
                "sent_at": sent,
                "parked_at": created if n == 8 else None,
                "parked_reason": "too large" if n == 8 else None,
            }
        )
    handled = [
        {
            "consumer": f"c{n % 2}",
            "event_id": f"i{n}",
            "event_type": "T",
            "handled_at": NOW - (40 * DAY if n < 5 else DAY),
        }
        for n in range(7)
    ]
    async with sessions() as session, session.begin():
        await session.execute(insert(outbox), rows)
        await session.execute(insert(inbox), handled)


async def _ids(sessions: Sessions) -> tuple[set[str], set[str]]:
    async with sessions() as session:
        sent = set((await session.scalars(select(outbox.c.event_id))).all())
        seen = set((await session.scalars(select(inbox.c.event_id))).all())
    return sent, seen


def _purged(service: str, table: str) -> float:
    labels = {"service": service, "table": table}
    return REGISTRY.get_sample_value("stem_retention_purged_rows_total", labels) or 0.0


async def test_old_sent_outbox_rows_and_old_inbox_rows_are_purged(db: Sessions) -> None:
    await _fill(db)
    before = _purged("svc-a", "outbox"), _purged("svc-a", "inbox")

    purged = await purge_once(
        "svc-a", db, {"outbox": 30 * DAY, "inbox": 30 * DAY}, batch=2
    )  # batches of 2: three rounds of the outbox's five

    assert purged == {"outbox": 5, "inbox": 5}
    kept_outbox, kept_inbox = await _ids(db)
    assert kept_outbox == {"e5", "e6", "e7", "e8"}  # recent, unsent, parked
    assert kept_inbox == {"i5", "i6"}
    assert (_purged("svc-a", "outbox"), _purged("svc-a", "inbox")) == (
        before[0] + 5,
        before[1] + 5,
    )
    assert await purge_once("svc-a", db, {"outbox": 30 * DAY, "inbox": 30 * DAY}) == {
        "outbox": 0,
        "inbox": 0,
    }


async def test_a_retention_of_none_keeps_the_table(db: Sessions) -> None:
    await _fill(db)
    assert await purge_once("svc-b", db, {"outbox": None, "inbox": 30 * DAY}) == {"inbox": 5}
    kept_outbox, _ = await _ids(db)
    assert len(kept_outbox) == 9


async def test_the_purger_runs_until_stopped(db: Sessions) -> None:
    await _fill(db)
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_retention(
            "svc-c", db, stop, retentions={"outbox": 30 * DAY, "inbox": 30 * DAY}, interval=0.05
        )
    )
    for _ in range(100):
        async with db() as session:
            left = await session.scalar(select(func.count()).select_from(inbox))
        if left == 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert await _ids(db) == ({"e5", "e6", "e7", "e8"}, {"i5", "i6"})


def test_a_retention_within_the_redelivery_window_is_refused() -> None:
    with pytest.raises(ValueError, match="redelivery window"):
        RegistrySettings(environment="development", inbox_retention_days=7)
    with pytest.raises(ValueError, match="redelivery window"):
        RegistrySettings(environment="development", outbox_retention_days=1)
    kept = RegistrySettings(environment="development", inbox_retention_days=0)
    assert kept.retentions() == {"outbox": 30 * DAY, "inbox": None}
