"""Retention of the outbox and inbox: tables that would otherwise only grow.

- A **sent outbox row** has done its work once the broker acknowledged it: the relay never
  reads it again (it takes unsent, unparked rows; parked ones are unsent and never purged).
  It is kept `<SERVICE>_OUTBOX_RETENTION_DAYS` to answer "what did we publish, when".
- An **inbox row** is how a consumer recognises an event it has handled when Kafka hands it
  over again. Kafka redelivers what a consumer had not committed (after a crash or a
  rebalance: seconds), and a group whose offsets have expired starts again from the
  earliest record (`auto_offset_reset="earliest"`); a broker drops a group's offsets after
  `offsets.retention.minutes`, 7 days by default (`REDELIVERY_WINDOW`). An inbox row must
  outlive that, so a retention is refused unless it is longer; the default is 30 days.
  Past it, an event read again is applied again, which the handlers' version rules make
  harmless, but that is their second line, not the first.

`run_retention` purges both now and every `<SERVICE>_RETENTION_INTERVAL_SECONDS` in the
service's relay process (one per database), `BATCH` rows per transaction so that locks stay
short, and counts what it deleted in `stem_retention_purged_rows_total{service,table}`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.database_settings import REDELIVERY_WINDOW
from stemkit.eventing.runner import sleep_or_stop
from stemkit.storage.db import inbox, outbox

log = logging.getLogger(__name__)

__all__ = ["REDELIVERY_WINDOW", "purge_once", "run_retention"]

BATCH = 1000

PURGED = Counter(
    "stem_retention_purged_rows_total",
    "Outbox rows (sent) and inbox rows deleted after their retention period",
    ["service", "table"],
)


async def purge_sent_outbox(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` outbox rows sent before `before` (on `ix_outbox_unsent`)."""
    c = outbox.c
    oldest = select(c.seq).where(c.sent_at.is_not(None), c.sent_at < before).limit(limit)
    result = await session.execute(delete(outbox).where(c.seq.in_(oldest.scalar_subquery())))
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_old_inbox(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` inbox rows handled before `before`."""
    c = inbox.c
    oldest = select(c.consumer, c.event_id).where(c.handled_at < before).limit(limit)
    result = await session.execute(delete(inbox).where(tuple_(c.consumer, c.event_id).in_(oldest)))
    return int(getattr(result, "rowcount", 0) or 0)


PURGES = {"outbox": purge_sent_outbox, "inbox": purge_old_inbox}


async def purge_once(
    service: str,
    sessions: async_sessionmaker[AsyncSession],
    retentions: dict[str, timedelta | None],
    *,
    batch: int = BATCH,
) -> dict[str, int]:
    """Purge each table ("outbox", "inbox") of rows older than its retention (None: keep for
    ever), a batch per transaction; how many rows per table."""
    now = datetime.now(UTC)
    purged = {}
    for table, retention in retentions.items():
        if retention is None:
            continue
        total = 0
        while True:
            async with sessions() as session, session.begin():
                count = await PURGES[table](session, now - retention, batch)
            PURGED.labels(service=service, table=table).inc(count)
            total += count
            if count < batch:
                break
        purged[table] = total
    return purged


async def run_retention(
    service: str,
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    retentions: dict[str, timedelta | None],
    interval: float,
) -> None:
    """Purge now and every `interval` seconds until `stop`; a failed round (the database
    away) is logged and tried again next time."""
    while not stop.is_set():
        try:
            purged = await purge_once(service, sessions, retentions)
            if any(purged.values()):
                log.info("retention: purged %s", purged)
        except Exception:
            log.exception("retention: purge failed, trying again later")
        if await sleep_or_stop(stop, interval):
            return
