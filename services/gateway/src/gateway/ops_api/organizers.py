"""Ops: the organizers UiTdatabank keeps sending that no academy is linked to (scope
quarantine, with the rest of the ingestion; issue 15). Their activities are stored but
not on the STEM-kalender; linking one is the registry's `uit_organizer_ids` of an academy."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.adapters import activities
from gateway.schema.context import Resolve
from gateway.schema.paging import check_first
from gateway.schema.scopes import QUARANTINE, needs_scope


@strawberry.type(description="An organizer that sends activities but is linked to no academy")
class UnknownOrganizer:
    organizer_id: strawberry.ID = strawberry.field(description="UiTdatabank organizer id")
    name: str | None
    activities: int = strawberry.field(description="Its activities stored, not listed")
    deliveries: int = strawberry.field(description="Deliveries of them (webhook, poller)")
    last_seen: datetime


async def _unknown_organizers(info: Resolve, first: int) -> list[UnknownOrganizer] | None:
    check_first(first)
    client = info.context.loaders.upstreams.activities
    found = await activities.unknown_organizers(client, info.context.guard.upstream_token, first)
    return [
        UnknownOrganizer(
            organizer_id=strawberry.ID(o.organizer_id),
            name=o.name,
            activities=o.activities,
            deliveries=o.deliveries,
            last_seen=o.last_seen,
        )
        for o in found
    ]


unknown_organizers = strawberry.field(
    resolver=_unknown_organizers,
    permission_classes=[needs_scope(QUARANTINE)],
    description="Organizers linked to no academy that keep sending, last seen first",
)
