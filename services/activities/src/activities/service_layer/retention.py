"""Retention of the delivery queue: processed deliveries are purged once they are older
than `ACTIVITIES_DELIVERY_RETENTION_DAYS`, so the table does not grow for ever.

Only processed ones: a received delivery is still to do, a quarantined one is kept with its
reason until it is replayed. While a processed delivery is kept, a sender's retry of the
same `webhook-id` is answered as a duplicate; after the purge it would be stored and
processed again, which the versions rule makes harmless (same content: no event; older
`modified`: stale). So keep them longer than any sender retries.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import delivery_store
from stemkit.eventing.runner import sleep_or_stop

log = logging.getLogger(__name__)

PURGED = Counter(
    "stem_activities_deliveries_purged_total",
    "Processed deliveries deleted after the retention period",
)
BATCH = 1000  # rows per transaction: short locks, and WAL in small steps


async def purge_once(
    sessions: async_sessionmaker[AsyncSession], retention: timedelta, *, batch: int = BATCH
) -> int:
    """Purge every processed delivery processed more than `retention` ago, a batch per
    transaction; returns how many."""
    before = datetime.now(UTC) - retention
    total = 0
    while True:
        async with sessions() as session, session.begin():
            purged = await delivery_store.purge_processed(session, before, batch)
        PURGED.inc(purged)
        total += purged
        if purged < batch:
            return total


async def run_purger(
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    retention: timedelta,
    interval: float,
) -> None:
    """Purge now and then every `interval` seconds until `stop`; a failed round (the
    database away) is logged and tried again next time."""
    while not stop.is_set():
        try:
            purged = await purge_once(sessions, retention)
            if purged:
                log.info("purged %d processed deliveries older than %s", purged, retention)
        except Exception:
            log.exception("delivery retention: purge failed, trying again later")
        if await sleep_or_stop(stop, interval):
            return
