"""The consumer's handler: activity events -> use cases; other event types are ignored."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.contracts import activities
from stemkit.contracts.activities import ActivityPublished, ActivityUpdated, ActivityWithdrawn
from stemkit.events import CloudEvent
from subsidy.service_layer.reach import record_activity, withdraw_activity

# Type names come from the contract, so they are spelled in one place only.
_TYPE_OF = {t.payload: t.name for t in activities.EVENT_TYPES}
PUBLISHED = _TYPE_OF[ActivityPublished]
UPDATED = _TYPE_OF[ActivityUpdated]
WITHDRAWN = _TYPE_OF[ActivityWithdrawn]


async def handle_activity_event(session: AsyncSession, event: CloudEvent) -> None:
    """Called by the consumer loop inside a database transaction, once per event."""
    if event.type == PUBLISHED:
        await record_activity(session, ActivityPublished.model_validate(event.data))
    elif event.type == UPDATED:
        await record_activity(session, ActivityUpdated.model_validate(event.data))
    elif event.type == WITHDRAWN:
        await withdraw_activity(session, ActivityWithdrawn.model_validate(event.data))
