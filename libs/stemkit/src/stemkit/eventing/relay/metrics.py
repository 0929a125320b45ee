"""What the relay counts: the backlog, its oldest row, what was published, failed, parked."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.storage.db import outbox

log = logging.getLogger(__package__)  # one logger for the whole relay

OUTBOX_BACKLOG = Gauge(
    "stem_outbox_backlog", "Outbox rows not yet sent (parked ones apart)", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "stem_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row", ["service"]
)
OUTBOX_PUBLISHED = Counter(
    "stem_outbox_published_total", "Outbox rows published and marked sent", ["service"]
)
OUTBOX_FAILURES = Counter(
    "stem_outbox_publish_failures_total", "Failed publish attempts", ["service", "error"]
)
OUTBOX_PARKED = Gauge(
    "stem_outbox_parked",
    "Outbox rows parked: unsendable, or held behind an unsendable row with their key",
    ["service"],
)


async def observe_backlog(session: AsyncSession, service: str) -> None:
    """Set the backlog, oldest-age and parked gauges from the outbox, in one query."""
    c = outbox.c
    row = (
        await session.execute(
            select(
                func.count(c.seq).filter(c.parked_at.is_(None)),
                func.min(c.created_at).filter(c.parked_at.is_(None)),
                func.count(c.parked_at),
            ).where(c.sent_at.is_(None))
        )
    ).one()
    count, oldest = int(row[0]), row[1]
    OUTBOX_BACKLOG.labels(service).set(count)
    OUTBOX_PARKED.labels(service).set(int(row[2]))
    age = 0.0
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)  # SQLite: naive UTC
        age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
    OUTBOX_OLDEST_AGE.labels(service).set(age)
