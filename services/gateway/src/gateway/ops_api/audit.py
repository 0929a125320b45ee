"""Ops: the audit trail, from the services that own the state (issue 21): who changed what,
when, from what to what, and why; of one academy, or every service's newest changes (those
of no academy too: quarantine replays, parked outbox rows, parameter overrides). Scope
`reviews` (the people who review an academy's recognition, roles and reports)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from gateway.adapters import audit
from gateway.schema.context import Resolve
from gateway.schema.ids import plain_id
from gateway.schema.scopes import REVIEWS, needs_scope


@strawberry.type(description="Who made a change, as authenticated (never a free-text field)")
class AuditActor:
    subject: str = strawberry.field(description="The principal's subject (sub claim)")
    name: str | None
    via: str = strawberry.field(description="oidc, static-token, or gateway/<how> for a person")


@strawberry.type(description="One change of state, kept by the service that owns it")
class AuditEntry:
    id: strawberry.ID
    service: str = strawberry.field(description="The service that owns the changed state")
    recorded_at: datetime
    actor: AuditActor
    academy_id: strawberry.ID | None = strawberry.field(
        description="The academy concerned; null when none (a quarantine replay, a parameter)"
    )
    entity: str = strawberry.field(
        description="academy, organizer_link, recognition, role, ..., quarantine, outbox_row"
    )
    entity_id: str
    action: str
    before: JSON | None = strawberry.field(description="The state before; null when new")
    after: JSON | None = strawberry.field(description="The state after; null when removed")
    reason: str | None
    note: str | None = strawberry.field(description="E.g. an `author` the request gave, ignored")


SERVICES = ("registry", "subsidy", "activities")  # each keeps its own trail


async def trail_of(info: Resolve, academy_id: str | None, limit: int = 100) -> list[AuditEntry]:
    """Newest first, from every service's trail together."""
    clients = info.context.loaders.upstreams.by_name()
    found = await asyncio.gather(
        *(audit.trail(clients[service], service, academy_id, limit) for service in SERVICES)
    )
    entries = [
        AuditEntry(
            id=strawberry.ID(e.audit_id),
            service=service,
            recorded_at=e.recorded_at,
            actor=AuditActor(subject=e.actor.subject, name=e.actor.name, via=e.actor.via),
            academy_id=None if e.academy_id is None else strawberry.ID(e.academy_id),
            entity=e.entity,
            entity_id=e.entity_id,
            action=e.action,
            before=cast(JSON, e.before),
            after=cast(JSON, e.after),
            reason=e.reason,
            note=e.note,
        )
        for service, rows in zip(SERVICES, found, strict=True)
        for e in rows
    ]
    return sorted(entries, key=lambda e: e.recorded_at, reverse=True)[:limit]


async def _trail(
    info: Resolve,
    academy_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="The academy's; null: every service's newest changes"),
    ] = None,
    limit: Annotated[int, strawberry.argument(description="At most 200")] = 100,
) -> list[AuditEntry]:
    wanted = None if academy_id is None else plain_id("academyId", academy_id)
    return await trail_of(info, wanted, max(1, min(limit, 200)))


audit_trail = strawberry.field(
    resolver=_trail,
    permission_classes=[needs_scope(REVIEWS)],
    description="The audit trail, newest first: who changed what, when, and why; of one"
    " academy, or of everything",
)
