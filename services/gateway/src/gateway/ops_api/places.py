"""Ops: activities whose coordinates lie in another municipality than their address (scope
quarantine, with the rest of the ingestion; issue 15). The address counts for reach and
payment alike (`stemkit.domain.places`); ops correct the place in UiTdatabank."""

from __future__ import annotations

from datetime import date

import strawberry

from gateway.adapters import disagreements
from gateway.schema.context import Resolve
from gateway.schema.paging import check_first
from gateway.schema.scopes import QUARANTINE, needs_scope


@strawberry.type(description="A period in which the coordinates and the address disagree")
class PlaceDisagreementPeriod:
    first: date | None = strawberry.field(description="First day; null: from any day")
    last: date | None = strawberry.field(description="Last day; null: still")
    nis_code: str | None = strawberry.field(description="The address's municipality (counts)")
    disagreement: str = strawberry.field(description="Where the coordinates lie instead")


@strawberry.type(description="An activity whose coordinates and postal code disagree")
class PlaceDisagreement:
    activity_id: strawberry.ID
    name: str
    academy_id: strawberry.ID | None
    organizer_id: strawberry.ID | None
    postal_code: str | None
    locality: str | None
    periods: list[PlaceDisagreementPeriod]


@strawberry.type(description="Coordinates against postal code: how many disagree, and which")
class PlaceDisagreements:
    count: int = strawberry.field(description="Stored activities that disagree")
    items: list[PlaceDisagreement] = strawberry.field(description="Most recently updated first")


async def _place_disagreements(info: Resolve, first: int) -> PlaceDisagreements | None:
    check_first(first)
    client = info.context.loaders.upstreams.activities
    found = await disagreements.place_disagreements(
        client, info.context.guard.upstream_token, first
    )
    return PlaceDisagreements(
        count=found.count,
        items=[
            PlaceDisagreement(
                activity_id=strawberry.ID(a.activity_id),
                name=a.name,
                academy_id=None if a.academy_id is None else strawberry.ID(a.academy_id),
                organizer_id=None if a.organizer_id is None else strawberry.ID(a.organizer_id),
                postal_code=a.postal_code,
                locality=a.locality,
                periods=[
                    PlaceDisagreementPeriod(
                        first=p.first, last=p.last, nis_code=p.nis_code, disagreement=p.disagreement
                    )
                    for p in a.periods
                ],
            )
            for a in found.items
        ],
    )


place_disagreements = strawberry.field(
    resolver=_place_disagreements,
    permission_classes=[needs_scope(QUARANTINE)],
    description="Activities whose coordinates lie in another municipality than their postal "
    "code (the address counts), with their count",
)
