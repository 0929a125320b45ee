"""Ops: the activities quarantine (scope quarantine) and what-if calculations (subsidies)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from gateway.adapters import activities, subsidy
from gateway.schema.context import Resolve
from gateway.schema.paging import check_first
from gateway.schema.scopes import QUARANTINE, SUBSIDIES, needs_scope


@strawberry.type(description="A delivery that could not become an activity")
class QuarantinedDelivery:
    webhook_id: strawberry.ID
    source: str | None = strawberry.field(description="webhook, poller or backfill")
    reason: str | None
    received_at: datetime | None
    attempts: int
    body: str = strawberry.field(description="The delivery as received")


@strawberry.type(description="A page of the quarantine")
class QuarantinePage:
    total: int = strawberry.field(description="Deliveries in quarantine now")
    items: list[QuarantinedDelivery]
    next_after: str | None = strawberry.field(description="Pass as `after` for the next page")


async def _quarantine(info: Resolve, first: int, after: str | None = None) -> QuarantinePage | None:
    check_first(first)
    client = info.context.loaders.upstreams.activities
    found = await activities.quarantine(client, info.context.guard.upstream_token, first, after)
    items = [
        QuarantinedDelivery(
            webhook_id=strawberry.ID(d.webhook_id),
            source=d.source,
            reason=d.reason,
            received_at=d.received_at,
            attempts=d.attempts,
            body=d.body,
        )
        for d in found.items
    ]
    return QuarantinePage(total=found.total, items=items, next_after=found.next_after)


async def _what_if(info: Resolve, year: int, parameters: JSON) -> JSON | None:
    given = cast("dict[str, object]", parameters)
    found = await subsidy.what_if(info.context.loaders.upstreams.subsidy, year, dict(given))
    return cast("JSON | None", found)


quarantine = strawberry.field(
    resolver=_quarantine,
    permission_classes=[needs_scope(QUARANTINE)],
    description="Deliveries of the activities service in quarantine, and why",
)
what_if = strawberry.field(
    resolver=_what_if,
    permission_classes=[needs_scope(SUBSIDIES)],
    description="The year's calculation with other parameter values (name -> value), unstored",
)
