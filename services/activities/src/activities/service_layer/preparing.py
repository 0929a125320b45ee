"""Step 2 of the pipeline (`processing`): a claimed delivery read and, for a thin
notification, what it points at fetched; no database. The answer is a `Prepared`: what
settling it will do (ingest a document, withdraw a gone item, retry later, quarantine).

A delivery that can never be used (`UnreadableDocument`, a refused IRI) is quarantined at
once with the reason. Any other failure is charged to the delivery (`charged`): retried
with backoff, quarantined after `MAX_ATTEMPTS`. UiTdatabank unreachable is an outage:
retried without counting, for at most `MAX_OUTAGE_WAIT` after receipt.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from activities.adapters.delivery_store import Delivery
from activities.adapters.uit_client import Fetched, FetchFailed, FetchRefused
from activities.domain.documents import Document, Notification, classify
from activities.domain.reader import UnreadableDocument

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_OUTAGE_WAIT = timedelta(days=2)  # then a delivery that still cannot be fetched is counted
MAX_REASON = 2000  # characters of an exception message kept as the reason


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

    @property
    def about(self) -> Document | Notification | None:
        """The UiTdatabank item the delivery is about, when known."""
        return self.item or self.gone


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
