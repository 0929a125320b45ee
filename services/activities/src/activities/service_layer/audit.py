"""The activities service's audit trail (issue 21, ADR 0020): what people do to the
quarantine and to the parked outbox rows, with who, when, before, after and why, in the
change's own transaction (`stemkit.ops.audit`; its events on stem.activities.audit.v1).

The UiTdatabank webhook, the poller and the backfill are the document flow, not a person's
write: they are not audited here (the deliveries and the activity events keep that trail).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters import delivery_store
from activities.adapters.orm import audit_log
from activities.config import SERVICE
from stemkit.access.actor import Actor
from stemkit.ops.audit import Change, Trail

TRAIL = Trail(audit_log, SERVICE)
QUARANTINE = "quarantine"  # entity_id: the delivery's webhook id


async def replay_quarantined(
    session: AsyncSession, webhook_ids: list[str] | None, actor: Actor, reason: str | None
) -> int:
    """Put quarantined deliveries (these, or all) back in the queue, each replay audited;
    how many. Only the deliveries read here are replayed, so none goes without its row."""
    found = await delivery_store.quarantined_for_replay(session, webhook_ids)
    replayed = await delivery_store.replay(session, [d.webhook_id for d in found])
    for delivery in found:
        before = {
            "status": delivery_store.QUARANTINED,
            "error": delivery.error,
            "attempts": delivery.attempts,
            "source": delivery.source,
        }
        after = {"status": delivery_store.RECEIVED, "attempts": 0}
        change = Change(QUARANTINE, delivery.webhook_id, "replayed", None, before, after, reason)
        await TRAIL.record(session, actor, change)
    return replayed
