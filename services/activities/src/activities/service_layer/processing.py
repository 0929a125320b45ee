"""Processing stored deliveries, asynchronously and restart-safe.

A delivery is stored first (webhook, poller, backfill) and processed here. The worker
takes the due deliveries in batches: it reads them, fetches what thin notifications
point at (outside any transaction; a fetch that keeps failing is retried with backoff,
then quarantined), and then settles the whole batch in ONE transaction, which marks each
delivery processed, quarantined or retried together with its effect. One transaction per
batch, not per delivery: one commit (one fsync) for many, and the registry lookups are
shared (see `adapters.registry_copy`); that is what lets the worker keep up with a steady
100 deliveries/s on two cores (docs/performance.md).

Containment: whatever one delivery raises is charged to that delivery, never to the
round. A delivery that can never be used (`UnreadableDocument`, a refused IRI) is
quarantined at once with the reason. Any other exception while reading or fetching it
(any type: there is no list of known ones) is retried with backoff and quarantined after
`MAX_ATTEMPTS`. A failure while settling rolls the batch back, and its deliveries are then
settled one transaction each, so the one that fails alone is charged the same way. Only
outages are waited out without counting: UiTdatabank unreachable (for at most
`MAX_OUTAGE_WAIT`), and a database error that looks like an outage while the database
does not answer `SELECT 1` (when it does answer, that error was this delivery's). A
delivery whose failure cannot even be written is left for the next round (outcome
`failed`) without holding up the rest of its batch. A crash at any point leaves
deliveries `received`, and the next run does them again; the version rules make that
harmless.

Replicas (ADR 0018): a worker claims its batch (`delivery_store.claim`, SKIP LOCKED, for
`CLAIM_LEASE`) before fetching, so two workers never fetch or settle the same delivery;
a batch never waits for another worker's locks (item advisory locks and activity rows are
taken without waiting; a delivery whose item or activity another worker holds is left for
a later round, `BUSY`); and on
PostgreSQL each delivery is settled in a savepoint, so the one that fails is rolled back
and charged alone and the batch is not run twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from prometheus_client import Counter, Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import activity_store, advisory_locks, delivery_store, place_store
from activities.adapters.delivery_store import Delivery, Finished
from activities.adapters.uit_client import Fetched, FetchFailed, FetchRefused
from activities.domain.documents import Document, Notification, classify
from activities.domain.places import read_place
from activities.domain.reader import UnreadableDocument, read_event
from activities.service_layer.catalogue import MAX_DUPLICATE_HOPS as _MAX_DUPLICATE_HOPS
from activities.service_layer.ingestion import gone, ingest
from stemkit.eventing.consumer import is_transient
from stemkit.eventing.outbox import CommitNotifications
from stemkit.eventing.runner import sleep_or_stop
from stemkit.storage.transaction_memo import forget_all

log = logging.getLogger(__name__)

PROCESSED = Counter(
    "stem_activities_deliveries_processed_total", "Processed deliveries by outcome", ["outcome"]
)
QUARANTINED = Counter(
    "stem_activities_quarantined_total", "Deliveries put in quarantine, by source", ["source"]
)
QUARANTINE_SIZE = Gauge("stem_activities_quarantine_size", "Deliveries in quarantine now")
BACKLOG_OLDEST_AGE = Gauge(
    "stem_activities_delivery_backlog_oldest_age_seconds",
    "Seconds the oldest due, unsettled delivery has been waiting (0: none)",
)
MAX_ATTEMPTS = 8
FAILED = "failed"  # an outcome: not even the failure could be recorded; waits a round
BUSY = "busy"  # an outcome: another worker holds its item or activity; left for a later round
MAX_RETRY_DELAY = 3600.0
OUTAGE_RETRY_DELAY = 5.0  # UiTdatabank unreachable: look again soon, attempts not counted
MAX_OUTAGE_WAIT = timedelta(days=2)  # then a delivery that still cannot be fetched is counted
BACKLOG_EVERY = 1.0  # seconds between measures of the backlog's age
MAX_REASON = 2000  # characters of an exception message kept as the reason
CONCURRENT_FETCHES = 8  # thin notifications of one batch fetched at the same time
SETTLE_EARLY = 1.0  # seconds: the fetches done by then are settled without the slow ones
# A worker claims its batch for this long before fetching (ADR 0018): another worker skips
# it meanwhile, and takes it over once the claim has expired (its worker died). A claim
# that outlives a slow fetch costs a fetch twice, never a delivery settled twice.
CLAIM_LEASE = 15.0
# This process's worker, as claims name it (one worker task per process).
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Fetcher(Protocol):
    async def fetch(self, iri: str) -> Fetched: ...


@dataclass(frozen=True)
class Prepared:
    """A delivery read (and its notification fetched): what settling it will do. Exactly
    one of `item` (ingest it), `gone` (the notified item answered 404/410), `retry` (the
    fetch failed: try later) or `error` (quarantine) is set."""

    delivery: Delivery
    item: Document | None = None
    gone: Notification | None = None
    retry: str | None = None
    error: str | None = None
    outage: bool = False  # with `retry`: not this delivery's fault, the attempt not counted


def reason(exc: BaseException) -> str:
    """An exception as a quarantine reason: its type and message, bounded."""
    return f"{type(exc).__name__}: {exc}"[:MAX_REASON]


def charged(delivery: Delivery, failure: str) -> Prepared:
    """A failure charged to this delivery: retried with backoff, or quarantined with the
    reason once it has failed `MAX_ATTEMPTS` times."""
    if delivery.attempts + 1 >= MAX_ATTEMPTS:
        return Prepared(delivery, error=f"failed {MAX_ATTEMPTS} times: {failure}")
    return Prepared(delivery, retry=f"failed: {failure}")


async def prepare_safely(fetcher: Fetcher, delivery: Delivery) -> Prepared:
    """`prepare`, with whatever it raises charged to the delivery (never to the round)."""
    try:
        return await prepare(fetcher, delivery)
    except Exception as exc:
        log.exception("delivery %s failed (attempt %d)", delivery.webhook_id, delivery.attempts + 1)
        return charged(delivery, reason(exc))


async def prepare(fetcher: Fetcher, delivery: Delivery) -> Prepared:
    """Read a delivery and fetch what a thin notification points at; no database."""
    try:
        item = classify(json.loads(delivery.body))
    except (ValueError, RecursionError, UnreadableDocument) as exc:  # nested too deeply: quarantine
        return Prepared(delivery, error=str(exc)[:MAX_REASON])
    if isinstance(item, Document):
        return Prepared(delivery, item=item)
    try:
        fetched = await fetcher.fetch(item.iri)
    except FetchFailed as exc:
        if exc.unreachable and not _waited_too_long(delivery):
            return Prepared(delivery, retry=str(exc), outage=True)
        if delivery.attempts + 1 >= MAX_ATTEMPTS:
            return Prepared(delivery, error=f"fetch failed {MAX_ATTEMPTS} times: {exc}")
        return Prepared(delivery, retry=str(exc))
    except FetchRefused as exc:
        return Prepared(delivery, error=str(exc)[:MAX_REASON])
    if fetched.gone_status is not None:
        return Prepared(delivery, gone=item)
    try:
        return Prepared(delivery, item=_same_item(item, classify(fetched.document)))
    except UnreadableDocument as exc:
        return Prepared(delivery, error=f"fetched {item.iri}: {exc}")


def _waited_too_long(delivery: Delivery) -> bool:
    received = delivery.received_at
    if received is None:
        return False
    if received.tzinfo is None:  # SQLite gives naive UTC back
        received = received.replace(tzinfo=UTC)
    return datetime.now(UTC) - received > MAX_OUTAGE_WAIT


def _same_item(notification: Notification, found: Notification | Document) -> Document:
    if not isinstance(found, Document) or (found.kind, found.item_id) != (
        notification.kind,
        notification.item_id,
    ):
        raise UnreadableDocument(
            f"the answer is not the {notification.kind} {notification.item_id} notified"
        )
    return found


async def _apply(session: AsyncSession, prepared: Prepared) -> Finished | None:
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
    then on PostgreSQL an advisory lock per item (kind and id, `pg_try_advisory_xact_lock`)
    and the activities the batch writes or may relink (SKIP LOCKED); a delivery whose item
    or activity another transaction holds is `busy`: its claim given up, left for a later
    round. So two workers never wait in a cycle, nor in a convoy. On PostgreSQL each
    delivery runs in a savepoint: one that raises is rolled back alone and charged
    (retried or quarantined) while the others' effects stay, so a failing batch does not
    run its good deliveries twice."""
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
            busy |= await _activities_held_elsewhere(
                session, [p for p in mine if p.delivery.webhook_id not in busy]
            )
            if busy:
                await delivery_store.unclaim(session, sorted(busy))
        ready = [p for p in mine if p.delivery.webhook_id not in busy]
        wanted = await _activity_ids(session, ready)
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
                else _apply(session, prepared)
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


async def _apply_in_savepoint(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession, prepared: Prepared
) -> Finished | None:
    """`_apply` in a savepoint; what it raises rolls back this delivery only, which is then
    charged in the same transaction (an outage is raised: the batch fails)."""
    try:
        async with session.begin_nested():
            return await _apply(session, prepared)
    except Exception as exc:
        if is_transient(exc) and not await database_answers(sessions):
            raise
        forget_all(session)  # what the rolled-back writes left in the memos is gone
        delivery = prepared.delivery
        if lock_conflict(exc):  # not this delivery's fault: again soon, not counted
            log.warning("delivery %s: %s; again next round", delivery.webhook_id, reason(exc))
            return await _apply(session, Prepared(delivery, retry=reason(exc), outage=True))
        log.exception("delivery %s failed (attempt %d)", delivery.webhook_id, delivery.attempts + 1)
        return await _apply(session, charged(delivery, reason(exc)))


def lock_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure (SQLSTATE 40P01, 40001): the lock order's
    business, never the delivery's."""
    code = getattr(getattr(exc, "orig", None), "pgcode", None) or getattr(
        getattr(exc, "orig", None), "sqlstate", None
    )
    return code in ("40P01", "40001")


def item_key(kind: str, item_id: str) -> int:
    """The advisory lock key of one UiTdatabank item (a signed 64-bit integer), the same
    in every process."""
    digest = hashlib.sha256(f"activities:{kind}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def lock_items(session: AsyncSession, batch: Sequence[Prepared]) -> set[str]:
    """PostgreSQL: an advisory lock, until the transaction ends, on every item the batch
    is about, taken without waiting; the webhook ids of the deliveries whose item another
    worker holds (left for a later round). Two batches with the same place or event so
    never write it at once, also rows that do not exist yet (two INSERT ... ON CONFLICT of
    new rows in opposite orders deadlock otherwise) and read-then-write (`save_place`
    compares with the stored version); and never wait for each other.

    An event also holds its place (and the places that one is a duplicate of) shared: it
    reads that place's stored address, and a place delivery relinks only the activities
    it finds stored there. Without it, a worker storing the event with the place's old
    address could commit after another worker stored the place's new one and relinked
    without seeing the event: the activity kept the old address (cluster chaos run). Now
    the place delivery (exclusive) or the event (shared) is busy until the other commits;
    events of one place do not hold each other up."""
    keys = {p.delivery.webhook_id: item_key(i.kind, i.item_id) for p in batch if (i := _item(p))}
    if not keys:
        return set()
    held_elsewhere = await advisory_locks.try_locks(session, set(keys.values()), shared=False)
    busy = {webhook_id for webhook_id, key in keys.items() if key in held_elsewhere}
    # The places each event reads, hop by hop: a canonical id is read once its place is
    # held, so a concurrent change of that link cannot slip in between.
    places = {
        p.delivery.webhook_id: {place_id}
        for p in batch
        if p.delivery.webhook_id not in busy and (place_id := _event_place(p)) is not None
    }
    taken: set[int] = set(keys.values()) - held_elsewhere
    seen: set[str] = set()
    for _ in range(_MAX_DUPLICATE_HOPS + 1):
        wanted = {item_key("place", i) for ids in places.values() for i in ids}
        refused = await advisory_locks.try_locks(session, wanted - taken, shared=True)
        taken |= wanted - refused
        for webhook_id, ids in list(places.items()):
            if any(item_key("place", i) in refused for i in ids):
                busy.add(webhook_id)
                del places[webhook_id]
        seen |= {i for ids in places.values() for i in ids}
        canonical = await place_store.canonical_ids(
            session, {i for ids in places.values() for i in ids}
        )
        places = {
            webhook_id: following
            for webhook_id, ids in places.items()
            if (following := {canonical[i] for i in ids if i in canonical} - seen)
        }
        if not places:
            break
    return busy


def _event_place(prepared: Prepared) -> str | None:
    """The place an event document is at (its stored address is read when it is stored)."""
    item = prepared.item
    if item is None or item.kind != "event":
        return None
    try:
        location = read_event(item.body).location
    except Exception:  # unreadable: quarantined when applied, reads no place
        return None
    return location.place_id if location.kind in ("place", "school") else None


def _item(prepared: Prepared) -> Document | Notification | None:
    return prepared.item or prepared.gone


async def _activities_held_elsewhere(session: AsyncSession, batch: Sequence[Prepared]) -> set[str]:
    """Lock the stored activities the deliveries are about or may relink, skipping rows
    another transaction holds (SKIP LOCKED: never waited for); the webhook ids of the
    deliveries that need such a row (left for a later round)."""
    wanted = await _activity_ids(session, batch)
    ids = sorted(set().union(*wanted.values())) if wanted else []
    if not ids:
        return set()
    elsewhere = await activity_store.held_elsewhere(session, ids)
    return {webhook_id for webhook_id, need in wanted.items() if need & elsewhere}


async def _activity_ids(session: AsyncSession, batch: Sequence[Prepared]) -> dict[str, set[str]]:
    """Per delivery, the activities it is about or may relink (a changed place or
    organizer re-resolves its stored activities)."""
    wanted: dict[str, set[str]] = {}
    for prepared in batch:
        item, need = _item(prepared), set()
        if item is not None and item.kind == "event":
            need.add(item.item_id)
        elif prepared.item is not None and item is not None:
            places: list[str] = []
            organizers: list[str] = []
            if item.kind == "organizer":
                organizers.append(item.item_id)
            else:
                places.append(item.item_id)
                try:
                    canonical = read_place(prepared.item.body).canonical_id
                except Exception:  # unreadable: quarantined when applied, relinks nothing
                    canonical = None
                if canonical:
                    places.append(canonical)
            need.update(
                await activity_store.activity_ids_where(
                    session, organizer_ids=organizers, place_ids=places
                )
            )
        wanted[prepared.delivery.webhook_id] = need
    return wanted


async def process(
    sessions: async_sessionmaker[AsyncSession], fetcher: Fetcher, delivery: Delivery
) -> str:
    """Process one delivery in its own transaction; returns the outcome. Whatever it
    raises is charged to it (a database outage aside, which is raised)."""
    return await _settle_alone(sessions, await prepare_safely(fetcher, delivery))


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
        outcomes = await _settle_batch(sessions, [t.result() for t in tasks if t in done], worker)
        if pending:
            late = [t for t in tasks if t in pending]
            await asyncio.wait(late)
            outcomes += await _settle_batch(sessions, [t.result() for t in late], worker)
    finally:
        for task in tasks:
            task.cancel()  # a round that is itself cancelled leaves no fetch behind
    return outcomes


async def _settle_batch(
    sessions: async_sessionmaker[AsyncSession], ready: list[Prepared], worker: str | None = None
) -> list[str]:
    """Settle in one transaction; if that fails as a whole (not one delivery: see
    `settle`), one transaction per delivery."""
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
    return [await _settle_alone(sessions, one, worker) for one in ready]


async def _settle_alone(
    sessions: async_sessionmaker[AsyncSession], prepared: Prepared, worker: str | None = None
) -> str:
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


async def database_answers(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Whether the database is up: then an error that looked like an outage was not one."""
    try:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


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
