"""The registry's audit trail: each write records its actor, before, after and reason in
`audit_log`, in the write's own transaction (stemkit.ops.audit; issue 21)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import academy_store
from registry.adapters.orm import audit_log
from registry.config import SERVICE
from registry.domain.academy import Academy
from registry.service_layer.academies import profile_payload
from stemkit.access.actor import Actor
from stemkit.contracts.registry import AcademyProfile
from stemkit.ops import audit
from stemkit.ops.audit import Change

ACADEMY = "academy"
ORGANIZER_LINK = "organizer_link"
RECOGNITION = "recognition"
ROLE = "role"
PARTICIPANT_REPORT = "participant_report"
FOLLOW_UP = "follow_up"


async def record(session: AsyncSession, actor: Actor, change: Change) -> audit.Entry:
    return await audit.record(session, audit_log, SERVICE, actor, change)


def academy_state(academy: Academy | None) -> dict[str, Any] | None:
    if academy is None:
        return None
    state = profile_payload(academy, AcademyProfile).model_dump(mode="json")
    state.pop("academy_id")
    return state


async def current_academy(session: AsyncSession, academy_id: str) -> Academy | None:
    """The academy as stored, locked for the rest of the transaction (PostgreSQL), so the
    `before` of the change is the state the change replaced."""
    if not await academy_store.lock(session, academy_id):
        return None
    (found,) = await academy_store.get_many(session, [academy_id])
    return found


async def record_academy_change(
    session: AsyncSession,
    actor: Actor,
    before: Academy | None,
    after: Academy,
    reason: str | None,
) -> None:
    """The academy's change, and each organizer id linked or unlinked as its own entry (the
    links decide which activities count)."""
    old, new = academy_state(before), academy_state(after)
    if old == new:
        return
    await record(
        session,
        actor,
        Change(
            ACADEMY,
            after.id,
            "registered" if before is None else "updated",
            academy_id=after.id,
            before=old,
            after=new,
            reason=reason,
        ),
    )
    linked_before = set(before.uit_organizer_ids) if before else set()
    linked_after = set(after.uit_organizer_ids)
    for organizer, action in [
        *((o, "linked") for o in sorted(linked_after - linked_before)),
        *((o, "unlinked") for o in sorted(linked_before - linked_after)),
    ]:
        await record(
            session,
            actor,
            Change(
                ORGANIZER_LINK,
                organizer,
                action,
                academy_id=after.id,
                before=None if action == "linked" else {"academy_id": after.id},
                after={"academy_id": after.id} if action == "linked" else None,
                reason=reason,
            ),
        )
