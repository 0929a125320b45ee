"""Organizer ids an academy's coordinator asks to link (issue 21): kept pending until ops
confirm them (the id is then linked to the academy like any other, `AcademyUpdated`) or
reject them. Every step is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import organizer_link_requests as requests
from registry.service_layer import audit
from registry.service_layer.academy_updates import update_academy
from stemkit.audit import Actor, Change

PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


@dataclass(frozen=True)
class LinkRequest:
    request_id: str
    academy_id: str
    organizer_id: str
    status: str
    note: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class NotPending(Exception):
    """The request is unknown or already decided."""


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _of(row: dict[str, object]) -> LinkRequest:
    found = dict(row)
    found["requested_at"] = _utc(found["requested_at"])  # type: ignore[arg-type]
    found["decided_at"] = _utc(found["decided_at"])  # type: ignore[arg-type]
    return LinkRequest(**found)  # type: ignore[arg-type]


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
    await session.execute(insert(requests).values(**vars(request)))
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
    rows = await session.execute(
        select(requests)
        .where(requests.c.academy_id == academy_id)
        .order_by(requests.c.requested_at.desc())
    )
    return [_of(dict(r)) for r in rows.mappings()]


async def pending(session: AsyncSession) -> list[LinkRequest]:
    rows = await session.execute(
        select(requests).where(requests.c.status == PENDING).order_by(requests.c.requested_at)
    )
    return [_of(dict(r)) for r in rows.mappings()]


async def decide(
    session: AsyncSession, request_id: str, *, confirm: bool, actor: Actor, reason: str | None
) -> LinkRequest:
    """Confirm (link the organizer id to the academy) or reject a pending request; raises
    NotPending, or OrganizerTaken when the id belongs to another academy by now."""
    row = (
        (await session.execute(select(requests).where(requests.c.request_id == request_id)))
        .mappings()
        .first()
    )
    if row is None or row["status"] != PENDING:
        raise NotPending(request_id)
    found = _of(dict(row))
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
    await session.execute(
        update(requests)
        .where(requests.c.request_id == request_id)
        .values(status=status, decided_by=_who(actor), decided_at=now)
    )
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
