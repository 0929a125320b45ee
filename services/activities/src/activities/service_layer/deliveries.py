"""Receiving a webhook delivery: store it raw, then process it, in one transaction.

Keeping the raw delivery apart from its processing is what lets a later version answer
as soon as the delivery is stored and process it asynchronously (thin notifications need
a fetch first), with no change to what the sender sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters import repository
from activities.domain.model import Change
from activities.domain.reader import UnreadableDocument
from activities.service_layer.catalogue import ingest_document

Outcome = Literal["processed", "failed", "duplicate"]


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    activity_id: str | None = None
    change: Change | None = None
    error: str | None = None
    earlier_status: str | None = None  # of the first delivery, for a duplicate


async def receive_delivery(
    session: AsyncSession, webhook_id: str, body: str, document: Any
) -> DeliveryResult:
    """`document` is the parsed `body`. A webhook-id seen before changes nothing."""
    if not await repository.record_delivery(session, webhook_id, body):
        status = await repository.delivery_status(session, webhook_id)
        return DeliveryResult(outcome="duplicate", earlier_status=status)
    try:
        activity, change = await ingest_document(session, document)
    except UnreadableDocument as exc:
        # Kept, marked failed, so that it can be looked at and replayed (quarantine later).
        await repository.finish_delivery(session, webhook_id, error=str(exc))
        return DeliveryResult(outcome="failed", error=str(exc))
    await repository.finish_delivery(session, webhook_id, activity_id=activity.activity_id)
    return DeliveryResult(outcome="processed", activity_id=activity.activity_id, change=change)
