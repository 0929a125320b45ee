"""The delivery worker: one UiTdatabank document from its stored delivery to an activity
and its event, asynchronously and restart-safe. A delivery is stored first (webhook,
poller, backfill: `adapters/delivery_store.py`); the worker takes the due ones in batches,
and each batch goes through these steps, each in a module named for it:

1. claim: `delivery_store.claim` (SKIP LOCKED, for `CLAIM_LEASE`): two workers never fetch
   or settle the same delivery (ADR 0018); here, `drain`.
2. read and fetch: `preparing.prepare` classifies the body (a whole document, or a thin
   notification whose `iri` is fetched, outside any transaction); what can never be used
   is to be quarantined, a failed fetch retried; the answer is a `Prepared`.
3. hold: `batch_locks` (PostgreSQL) takes the batch's items and activities without waiting
   for another worker; what another worker holds waits for a later round.
4. settle: `settling.settle`, one transaction for the batch: each delivery applied
   (`settling.apply`) and marked processed, quarantined or retried with its effect:
5. store: `ingestion.ingest`: an event is read (`domain/reader.py`) and enriched with the
   places, organizer and municipalities this service knows, then stored with its event in
   the outbox (`catalogue.store`: `adapters/activity_store.py`); a place or an organizer is
   stored (`adapters/place_store.py`) and the activities that depend on it re-resolved.

Whatever one delivery raises is charged to it, never to the round (`containment`); only
outages are waited out. A crash at any point leaves deliveries `received`, and the next
run does them again; the version rules make that harmless.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from datetime import UTC, datetime

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import delivery_store
from activities.adapters.delivery_store import Delivery
from activities.service_layer.containment import settle_alone, settle_batch
from activities.service_layer.preparing import Fetcher, Prepared, prepare_safely
from activities.service_layer.settling import BUSY, FAILED
from stemkit.eventing.outbox import CommitNotifications
from stemkit.eventing.runner import sleep_or_stop

log = logging.getLogger(__name__)

QUARANTINE_SIZE = Gauge("stem_activities_quarantine_size", "Deliveries in quarantine now")
BACKLOG_OLDEST_AGE = Gauge(
    "stem_activities_delivery_backlog_oldest_age_seconds",
    "Seconds the oldest due, unsettled delivery has been waiting (0: none)",
)
BACKLOG_EVERY = 1.0  # seconds between measures of the backlog's age
CONCURRENT_FETCHES = 8  # thin notifications of one batch fetched at the same time
SETTLE_EARLY = 1.0  # seconds: the fetches done by then are settled without the slow ones
# A worker claims its batch for this long before fetching (ADR 0018): another worker skips
# it meanwhile, and takes it over once the claim has expired (its worker died). A claim
# that outlives a slow fetch costs a fetch twice, never a delivery settled twice.
CLAIM_LEASE = 15.0
# This process's worker, as claims name it (one worker task per process).
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def process(
    sessions: async_sessionmaker[AsyncSession], fetcher: Fetcher, delivery: Delivery
) -> str:
    """Process one delivery in its own transaction; returns the outcome. Whatever it
    raises is charged to it (a database outage aside, which is raised)."""
    return await settle_alone(sessions, await prepare_safely(fetcher, delivery))


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    *,
    batch: int = 50,
    worker: str = WORKER_ID,
) -> list[str]:
    """Claim the deliveries due now (one batch) and process them; the outcome of each."""
    async with sessions.begin() as session:
        due = await delivery_store.claim(session, worker, batch, lease=CLAIM_LEASE)
    if not due:
        return []
    fetches = asyncio.Semaphore(CONCURRENT_FETCHES)

    async def prepared(delivery: Delivery) -> Prepared:
        async with fetches:
            return await prepare_safely(fetcher, delivery)

    # Settled in waves: what is ready within SETTLE_EARLY seconds first, so one slow fetch
    # (up to the client's deadline) does not keep the rest of its batch invisible.
    tasks = [asyncio.ensure_future(prepared(d)) for d in due]
    try:
        done, pending = await asyncio.wait(tasks, timeout=SETTLE_EARLY)
        outcomes = await settle_batch(sessions, [t.result() for t in tasks if t in done], worker)
        if pending:
            late = [t for t in tasks if t in pending]
            await asyncio.wait(late)
            outcomes += await settle_batch(sessions, [t.result() for t in late], worker)
    finally:
        for task in tasks:
            task.cancel()  # a round that is itself cancelled leaves no fetch behind
    return outcomes


async def measure_backlog(sessions: async_sessionmaker[AsyncSession]) -> float:
    """Set (and return) the age of the oldest due, unsettled delivery: how long work has
    waited since it became due (received, or its retry time came)."""
    async with sessions() as session:
        since = await delivery_store.oldest_due(session)
    age = 0.0 if since is None else max(0.0, (datetime.now(UTC) - since).total_seconds())
    BACKLOG_OLDEST_AGE.set(age)
    return age


async def run_worker(
    sessions: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    stop: asyncio.Event,
    *,
    idle: float = 0.2,
    safety_poll: float = 1.0,
    coalesce: float = 0.05,
) -> None:
    """Drain until `stop`; a database outage is waited out, never fatal.

    On PostgreSQL the worker sleeps until a commit stores deliveries (NOTIFY on
    `DELIVERIES_CHANNEL`), then lets `coalesce` seconds of them gather into one batch;
    it looks every `safety_poll` seconds anyway (retries that came due, a lost
    notification). Elsewhere, or while it cannot listen, it polls every `idle` seconds.
    """
    notifications = CommitNotifications.of(sessions, delivery_store.DELIVERIES_CHANNEL)
    rounds, measured = 0, 0.0
    try:
        while not stop.is_set():
            if notifications is not None:
                notifications.wake.clear()  # a commit from now on ends the next wait
            try:
                found = sum(
                    outcome not in (FAILED, BUSY, "skipped")
                    for outcome in await drain(sessions, fetcher)
                )
                if rounds % 50 == 0:
                    async with sessions() as session:
                        QUARANTINE_SIZE.set(
                            await delivery_store.count(session, delivery_store.QUARANTINED)
                        )
            except Exception:
                log.exception("delivery worker: round failed, trying again")
                found = 0
            rounds += 1
            if time.monotonic() - measured >= BACKLOG_EVERY:  # at most once a second
                measured = time.monotonic()
                try:
                    await measure_backlog(sessions)
                except Exception:
                    log.warning("delivery worker: cannot measure the backlog", exc_info=True)
            if found:
                continue
            if notifications is None:
                if await sleep_or_stop(stop, idle):
                    return
            elif await notifications.wait(
                stop, safety_poll=safety_poll, polling=idle
            ) or await sleep_or_stop(stop, coalesce):
                return
    finally:
        if notifications is not None:
            await notifications.close()
