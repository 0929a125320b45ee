"""Step 4 of the pipeline (`processing`): prepared deliveries settled in ONE transaction,
which marks each delivery processed, quarantined or retried together with its effect
(`ingestion`: the activity or place stored, its event in the outbox). One transaction per
batch, not per delivery: one commit (one fsync) for many, and the registry lookups are
shared (see `adapters.registry_copy`); that is what lets the worker keep up with a steady
100 deliveries/s on two cores (docs/performance.md).

On PostgreSQL each delivery is settled in a savepoint, so the one that fails is rolled back
and charged alone and the batch is not run twice; and what another worker holds is left
for a later round (`batch_locks`). SQLite has one writer at a time: neither is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from prometheus_client import Counter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import activity_store, delivery_store
from activities.adapters.delivery_store import Delivery, Finished
from activities.domain.reader import UnreadableDocument
from activities.service_layer.batch_locks import activities_held_elsewhere, activity_ids, lock_items
from activities.service_layer.ingestion import gone, ingest
from activities.service_layer.preparing import Prepared, charged, reason
from stemkit.eventing.consumer import is_transient
from stemkit.storage.transaction_memo import forget_all

log = logging.getLogger(__name__)

PROCESSED = Counter(
    "stem_activities_deliveries_processed_total", "Processed deliveries by outcome", ["outcome"]
)
QUARANTINED = Counter(
    "stem_activities_quarantined_total", "Deliveries put in quarantine, by source", ["source"]
)
FAILED = "failed"  # an outcome: not even the failure could be recorded; waits a round
BUSY = "busy"  # an outcome: another worker holds its item or activity; left for a later round
MAX_RETRY_DELAY = 3600.0
OUTAGE_RETRY_DELAY = 5.0  # UiTdatabank unreachable: look again soon, attempts not counted


async def settle(
    sessions: async_sessionmaker[AsyncSession],
    batch: Sequence[Prepared],
    *,
    worker: str | None = None,
) -> list[str]:
    """Settle prepared deliveries in one transaction, in order; returns each outcome
    (processed, quarantined, retry, or skipped: done by another worker meanwhile, or, with
    `worker`, no longer claimed by it).

    Locks are never waited for between workers (ADR 0018): the deliveries (SKIP LOCKED),
    then on PostgreSQL the items and activities of the batch (`batch_locks`); a delivery
    whose item or activity another transaction holds is `busy`: its claim given up, left
    for a later round. On PostgreSQL each delivery runs in a savepoint: one that raises is
    rolled back alone and charged (retried or quarantined) while the others' effects stay,
    so a failing batch does not run its good deliveries twice."""
    outcomes: list[tuple[Delivery, str, str | None]] = []  # delivery, outcome, error
    async with sessions() as session, session.begin():
        postgres = session.get_bind().dialect.name == "postgresql"
        ids = [p.delivery.webhook_id for p in batch]
        locked = (
            await delivery_store.lock_many(session, ids, claimed_by=worker)
            if worker is not None
            else await delivery_store.lock_many(session, ids)
        )
        mine = [p for p in batch if p.delivery.webhook_id in locked]
        busy: set[str] = set()
        if postgres:  # never wait for another worker: what it holds waits for next round
            busy = await lock_items(session, mine)
            busy |= await activities_held_elsewhere(
                session, [p for p in mine if p.delivery.webhook_id not in busy]
            )
            if busy:
                await delivery_store.unclaim(session, sorted(busy))
        ready = [p for p in mine if p.delivery.webhook_id not in busy]
        wanted = await activity_ids(session, ready)
        await activity_store.lock_activities(session, sorted(set().union(*wanted.values())))
        finished = []
        for prepared in batch:
            delivery = prepared.delivery
            if delivery.webhook_id not in locked:
                outcomes.append((delivery, "skipped", None))
                continue
            if delivery.webhook_id in busy:
                outcomes.append((delivery, BUSY, None))
                continue
            done = await (
                _apply_in_savepoint(sessions, session, prepared)
                if postgres
                else apply(session, prepared)
            )
            if done is None:
                outcomes.append((delivery, "retry", None))
                continue
            finished.append(done)
            outcomes.append((delivery, "quarantined" if done.error else "processed", done.error))
        await delivery_store.finish_many(session, finished)
    for delivery, outcome, error in outcomes:  # counted once committed
        if outcome == "quarantined":
            QUARANTINED.labels(delivery.source or "unknown").inc()
            log.warning("delivery %s quarantined: %s", delivery.webhook_id, error)
        if outcome not in ("skipped", BUSY):
            PROCESSED.labels(outcome).inc()
    return [outcome for _, outcome, _ in outcomes]


async def apply(session: AsyncSession, prepared: Prepared) -> Finished | None:
    """The effect of one locked delivery in the caller's transaction; how it finished, or
    None when it is to be retried later (rescheduled here)."""
    delivery, error = prepared.delivery, prepared.error
    if prepared.retry is not None:
        if prepared.outage:
            await delivery_store.retry_later(
                session, delivery.webhook_id, prepared.retry, OUTAGE_RETRY_DELAY, count=False
            )
            return None
        delay = min(MAX_RETRY_DELAY, 5.0 * 2**delivery.attempts)
        await delivery_store.retry_later(session, delivery.webhook_id, prepared.retry, delay)
        return None
    if prepared.gone is not None:
        await gone(session, prepared.gone.kind, prepared.gone.item_id)
        return Finished(delivery.webhook_id, kind=prepared.gone.kind)
    item = prepared.item
    if item is not None:
        try:
            done = await ingest(session, item)
        except UnreadableDocument as exc:  # raised before anything is written
            error = str(exc)
        else:
            activity_id = done.item_id if done.kind == "event" else None
            return Finished(delivery.webhook_id, kind=done.kind, activity_id=activity_id)
    return Finished(delivery.webhook_id, kind=item.kind if item else None, error=error)


async def _apply_in_savepoint(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession, prepared: Prepared
) -> Finished | None:
    """`apply` in a savepoint; what it raises rolls back this delivery only, which is then
    charged in the same transaction (an outage is raised: the batch fails)."""
    try:
        async with session.begin_nested():
            return await apply(session, prepared)
    except Exception as exc:
        if is_transient(exc) and not await database_answers(sessions):
            raise
        forget_all(session)  # what the rolled-back writes left in the memos is gone
        delivery = prepared.delivery
        if lock_conflict(exc):  # not this delivery's fault: again soon, not counted
            log.warning("delivery %s: %s; again next round", delivery.webhook_id, reason(exc))
            return await apply(session, Prepared(delivery, retry=reason(exc), outage=True))
        log.exception("delivery %s failed (attempt %d)", delivery.webhook_id, delivery.attempts + 1)
        return await apply(session, charged(delivery, reason(exc)))


def lock_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure (SQLSTATE 40P01, 40001): the lock order's
    business, never the delivery's."""
    code = getattr(getattr(exc, "orig", None), "pgcode", None) or getattr(
        getattr(exc, "orig", None), "sqlstate", None
    )
    return code in ("40P01", "40001")


async def database_answers(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Whether the database is up: then an error that looked like an outage was not one."""
    try:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
