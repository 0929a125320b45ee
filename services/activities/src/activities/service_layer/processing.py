"""Processing stored deliveries, asynchronously and restart-safe.

A delivery is stored first (webhook, poller, backfill) and processed here: each in its
own transaction, which marks it processed or quarantined together with its effect. A
crash at any point leaves it `received`, and the next run does it again; the version
rules make that harmless. Thin notifications are fetched from their `iri` first, outside
the transaction; a fetch that keeps failing is retried with backoff, then quarantined.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Protocol

from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import deliveries
from activities.adapters.deliveries import Delivery
from activities.adapters.uit_client import Fetched, FetchFailed, FetchRefused
from activities.domain.documents import Document, Notification, classify
from activities.domain.reader import UnreadableDocument
from activities.service_layer.ingestion import gone, ingest
from stemkit.runner import sleep_or_stop

log = logging.getLogger(__name__)

PROCESSED = Counter(
    "stem_activities_deliveries_processed_total", "Processed deliveries by outcome", ["outcome"]
)
QUARANTINED = Counter(
    "stem_activities_quarantined_total", "Deliveries put in quarantine, by source", ["source"]
)
QUARANTINE_SIZE = Gauge("stem_activities_quarantine_size", "Deliveries in quarantine now")
MAX_FETCH_ATTEMPTS = 8
MAX_RETRY_DELAY = 3600.0


class Fetcher(Protocol):
    async def fetch(self, iri: str) -> Fetched: ...


async def process(
    sessions: async_sessionmaker[AsyncSession], fetcher: Fetcher, delivery: Delivery
) -> str:
    """Process one delivery; returns the outcome (processed, quarantined, retry, skipped)."""
    try:
        item = classify(json.loads(delivery.body))
    except (ValueError, RecursionError, UnreadableDocument) as exc:  # nested too deeply: quarantine
        return await _settle(sessions, delivery, None, str(exc))
    if isinstance(item, Notification):
        iri = item.iri
        try:
            fetched = await fetcher.fetch(iri)
        except FetchFailed as exc:
            return await _retry(sessions, delivery, str(exc))
        except FetchRefused as exc:
            return await _settle(sessions, delivery, None, str(exc))
        if fetched.gone_status is not None:
            async with sessions() as session, session.begin():
                if await deliveries.lock(session, delivery.webhook_id) is None:
                    return "skipped"
                await gone(session, item.kind, item.item_id)
                await deliveries.finish(session, delivery.webhook_id, kind=item.kind)
            return "processed"
        try:
            item = _same_item(item, classify(fetched.document))
        except UnreadableDocument as exc:
            return await _settle(sessions, delivery, None, f"fetched {iri}: {exc}")
    return await _settle(sessions, delivery, item, None)


def _same_item(notification: Notification, found: Notification | Document) -> Document:
    if not isinstance(found, Document) or (found.kind, found.item_id) != (
        notification.kind,
        notification.item_id,
    ):
        raise UnreadableDocument(
            f"the answer is not the {notification.kind} {notification.item_id} notified"
        )
    return found


async def _settle(
    sessions: async_sessionmaker[AsyncSession],
    delivery: Delivery,
    item: Document | None,
    error: str | None,
) -> str:
    async with sessions() as session, session.begin():
        if await deliveries.lock(session, delivery.webhook_id) is None:
            return "skipped"  # done by another worker meanwhile
        if item is not None:
            try:
                done = await ingest(session, item)
            except UnreadableDocument as exc:  # raised before anything is written
                error = str(exc)
            else:
                activity_id = done.item_id if done.kind == "event" else None
                await deliveries.finish(
                    session, delivery.webhook_id, kind=done.kind, activity_id=activity_id
                )
        if error is not None:
            kind = item.kind if item is not None else None
            await deliveries.finish(session, delivery.webhook_id, kind=kind, error=error)
    outcome = "quarantined" if error is not None else "processed"
    if error is not None:
        QUARANTINED.labels(delivery.source or "unknown").inc()
        log.warning("delivery %s quarantined: %s", delivery.webhook_id, error)
    PROCESSED.labels(outcome).inc()
    return outcome


async def _retry(sessions: async_sessionmaker[AsyncSession], delivery: Delivery, error: str) -> str:
    if delivery.attempts + 1 >= MAX_FETCH_ATTEMPTS:
        return await _settle(
            sessions, delivery, None, f"fetch failed {MAX_FETCH_ATTEMPTS} times: {error}"
        )
    delay = min(MAX_RETRY_DELAY, 5.0 * 2**delivery.attempts)
    async with sessions() as session, session.begin():
        await deliveries.retry_later(session, delivery.webhook_id, error, delay)
    PROCESSED.labels("retry").inc()
    return "retry"


async def drain(
    sessions: async_sessionmaker[AsyncSession], fetcher: Fetcher, *, batch: int = 50
) -> int:
    """Process the deliveries due now, one batch; returns how many were looked at."""
    async with sessions() as session:
        due = await deliveries.due(session, batch)
    for delivery in due:
        await process(sessions, fetcher, delivery)
    return len(due)


async def run_worker(
    sessions: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    stop: asyncio.Event,
    *,
    idle: float = 0.2,
) -> None:
    """Drain until `stop`; a database outage is waited out, never fatal."""
    rounds = 0
    while not stop.is_set():
        try:
            found = await drain(sessions, fetcher)
            if rounds % 50 == 0:
                async with sessions() as session:
                    QUARANTINE_SIZE.set(await deliveries.count(session, deliveries.QUARANTINED))
        except Exception:
            log.exception("delivery worker: round failed, trying again")
            found = 0
        rounds += 1
        if not found and await sleep_or_stop(stop, idle):
            return
