"""The internal part, for VLAIO's ops dashboards: each field needs an ops token with a scope."""

from __future__ import annotations

from datetime import date

import strawberry

from gateway.adapters import registry
from gateway.schema.context import Resolve
from gateway.schema.scopes import REVIEWS, needs_scope


@strawberry.type(description="A recognition that runs out: its review is due")
class ReviewDue:
    academy_id: strawberry.ID
    status: str = strawberry.field(description="Recognition status in force")
    decided_on: date
    valid_from: date
    valid_until: date | None = strawberry.field(description="Last day of the recognition")


async def _reviews_due(info: Resolve, before: date) -> list[ReviewDue] | None:
    found = await registry.reviews_due(info.context.loaders.upstreams.registry, before)
    return [
        ReviewDue(
            academy_id=strawberry.ID(d.academy_id),
            status=d.status,
            decided_on=d.decided_on,
            valid_from=d.valid_from,
            valid_until=d.valid_until,
        )
        for d in found
    ]


reviews_due = strawberry.field(
    resolver=_reviews_due,
    permission_classes=[needs_scope(REVIEWS)],
    description="Recognitions running out before the date, soonest first (ops: reviews)",
)
