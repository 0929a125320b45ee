"""Containment (issue 14): whatever one delivery raises while it is settled is charged to
that delivery, never to the round. A batch that fails as a whole is settled again one
transaction per delivery, so the one that fails alone is charged (retried with backoff,
quarantined after `preparing.MAX_ATTEMPTS`). Only a database outage is raised: a database
error while the database does not answer `SELECT 1` (when it does answer, that error was
the delivery's). A delivery whose failure cannot even be written is left for the next
round (outcome `failed`) without holding up the rest of its batch.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.service_layer.preparing import Prepared, charged, reason
from activities.service_layer.settling import FAILED, PROCESSED, database_answers, settle
from stemkit.eventing.consumer import is_transient

log = logging.getLogger(__name__)


async def settle_batch(
    sessions: async_sessionmaker[AsyncSession], ready: list[Prepared], worker: str | None = None
) -> list[str]:
    """Settle in one transaction; if that fails as a whole (not one delivery: see
    `settling.settle`), one transaction per delivery."""
    if not ready:
        return []
    try:
        return await settle(sessions, ready, worker=worker)
    except Exception as exc:
        if is_transient(exc) and not await database_answers(sessions):
            raise
        log.warning(
            "a batch of %d deliveries failed (%s: %s); settling them one by one",
            len(ready),
            type(exc).__name__,
            exc,
        )
    return [await settle_alone(sessions, one, worker) for one in ready]


async def settle_alone(
    sessions: async_sessionmaker[AsyncSession], prepared: Prepared, worker: str | None = None
) -> str:
    """Settle one delivery in its own transaction; what it raises is charged to it."""
    try:
        return (await settle(sessions, [prepared], worker=worker))[0]
    except Exception as exc:
        if is_transient(exc) and not await database_answers(sessions):
            raise  # an outage: the round fails, nothing is counted
        delivery, failure = prepared.delivery, reason(exc)
        log.exception("delivery %s failed (attempt %d)", delivery.webhook_id, delivery.attempts + 1)
    try:
        return (await settle(sessions, [charged(delivery, failure)], worker=worker))[0]
    except Exception as again:
        if is_transient(again) and not await database_answers(sessions):
            raise
        # Not even its failure can be written: left as it is (tried again next round,
        # without holding up the rest of the batch).
        log.exception("delivery %s: its failure cannot be recorded", delivery.webhook_id)
        PROCESSED.labels(FAILED).inc()
        return FAILED
