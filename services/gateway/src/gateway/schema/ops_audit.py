"""Ops: an academy's audit trail, from the services that own its state (issue 21): who
changed what, when, from what to what, and why. Scope `reviews` (the people who review an
academy's recognition, roles and reports)."""

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


@strawberry.type(description="One change of an academy's state, kept by its owning service")
class AuditEntry:
    id: strawberry.ID
    service: str = strawberry.field(description="The service that owns the changed state")
    recorded_at: datetime
    actor: AuditActor
    entity: str = strawberry.field(description="academy, organizer_link, recognition, role, ...")
    entity_id: str
    action: str
    before: JSON | None = strawberry.field(description="The state before; null when new")
    after: JSON | None = strawberry.field(description="The state after; null when removed")
    reason: str | None
    note: str | None = strawberry.field(description="E.g. an `author` the request gave, ignored")


async def trail_of(info: Resolve, academy_id: str, limit: int = 100) -> list[AuditEntry]:
    """Newest first, from the registry and the subsidy service together."""
    upstreams = info.context.loaders.upstreams
    found = await asyncio.gather(
        audit.trail(upstreams.registry, "registry", academy_id, limit),
        audit.trail(upstreams.subsidy, "subsidy", academy_id, limit),
    )
    entries = [
        AuditEntry(
            id=strawberry.ID(e.audit_id),
            service=service,
            recorded_at=e.recorded_at,
            actor=AuditActor(subject=e.actor.subject, name=e.actor.name, via=e.actor.via),
            entity=e.entity,
            entity_id=e.entity_id,
            action=e.action,
            before=cast(JSON, e.before),
            after=cast(JSON, e.after),
            reason=e.reason,
            note=e.note,
        )
        for service, rows in zip(("registry", "subsidy"), found, strict=True)
        for e in rows
    ]
    return sorted(entries, key=lambda e: e.recorded_at, reverse=True)[:limit]


async def _trail(
    info: Resolve,
    academy_id: strawberry.ID,
    limit: Annotated[int, strawberry.argument(description="At most 200")] = 100,
) -> list[AuditEntry]:
    return await trail_of(info, plain_id("academyId", academy_id), max(1, min(limit, 200)))


audit_trail = strawberry.field(
    resolver=_trail,
    permission_classes=[needs_scope(REVIEWS)],
    description="An academy's audit trail, newest first: who changed what, when, and why",
)
