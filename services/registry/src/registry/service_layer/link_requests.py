"""Organizer ids an academy's coordinator asks to link (issue 21): kept pending until ops
confirm them (the id is then linked to the academy like any other, `AcademyUpdated`) or
reject them. Every step is audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import link_request_store as store
from registry.adapters.link_request_store import LinkRequest
from registry.service_layer import audit
from registry.service_layer.academy_updates import update_academy
from stemkit.access.actor import Actor
from stemkit.ops.audit import Change

PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


class NotPending(Exception):
    """The request is unknown or already decided."""


def _who(actor: Actor) -> str:
    return (f"{actor.name} <{actor.subject}>" if actor.name else actor.subject)[:200]


async def ask(
    session: AsyncSession, academy_id: str, organizer_id: str, note: str | None, actor: Actor
) -> LinkRequest:
    """A pending request (the same pending one again if it was asked before)."""
    existing = await of_academy(session, academy_id)
    for found in existing:
        if found.organizer_id == organizer_id and found.status == PENDING:
            return found
    request = LinkRequest(
        request_id=str(uuid.uuid4()),
        academy_id=academy_id,
        organizer_id=organizer_id,
        status=PENDING,
        note=(note or "").strip()[:2000] or None,
        requested_by=_who(actor),
        requested_at=datetime.now(UTC),
        decided_by=None,
        decided_at=None,
    )
    await store.add(session, request)
    change = Change(
        audit.ORGANIZER_LINK,
        organizer_id,
        "requested",
        academy_id=academy_id,
        after={"status": PENDING, "request_id": request.request_id},
        reason=request.note,
    )
    await audit.record(session, actor, change)
    return request


async def of_academy(session: AsyncSession, academy_id: str) -> list[LinkRequest]:
    return await store.of_academy(session, academy_id)


async def pending(session: AsyncSession) -> list[LinkRequest]:
    return await store.with_status(session, PENDING)


async def decide(
    session: AsyncSession, request_id: str, *, confirm: bool, actor: Actor, reason: str | None
) -> LinkRequest:
    """Confirm (link the organizer id to the academy) or reject a pending request; raises
    NotPending, or OrganizerTaken when the id belongs to another academy by now."""
    found = await store.get(session, request_id)
    if found is None or found.status != PENDING:
        raise NotPending(request_id)
    if confirm:
        before = await audit.current_academy(session, found.academy_id)
        if before is None:
            raise NotPending(request_id)
        if found.organizer_id not in before.uit_organizer_ids:
            linked = [*before.uit_organizer_ids, found.organizer_id]
            after = await update_academy(session, found.academy_id, {"uit_organizer_ids": linked})
            assert after is not None
            why = reason or f"confirmed the coordinator's request {request_id}"
            await audit.record_academy_change(session, actor, before, after, why)
    status = CONFIRMED if confirm else REJECTED
    now = datetime.now(UTC)
    await store.set_decided(session, request_id, status, _who(actor), now)
    change = Change(
        audit.ORGANIZER_LINK,
        found.organizer_id,
        status,
        academy_id=found.academy_id,
        before={"status": PENDING, "request_id": request_id},
        after={"status": status, "request_id": request_id},
        reason=reason,
    )
    await audit.record(session, actor, change)
    return LinkRequest(
        **{**vars(found), "status": status, "decided_by": _who(actor), "decided_at": now}
    )
