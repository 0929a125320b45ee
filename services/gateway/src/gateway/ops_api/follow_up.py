"""Ops: why municipalities are not reached in a year and what follows (Q2b/c), as recorded
in the registry (`PUT /municipalities/{nis}/follow-up/{year}`, ops token). Scope report: it
is a part of the yearly report."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.adapters import registry
from gateway.schema.context import Resolve
from gateway.schema.scopes import REPORT, needs_scope


@strawberry.type(description="Why a municipality is not reached in a year, and what follows")
class MunicipalityFollowUp:
    nis_code: str
    year: int
    reason: str = strawberry.field(
        description="no_academy_nearby, no_local_partner, low_demand, academy_stopped, "
        "not_investigated or other (the registry's README)"
    )
    explanation: str | None = strawberry.field(description="Free text; always with other")
    initiative: str | None = strawberry.field(description="The initiative planned (Q2c)")
    no_initiative_reason: str | None = strawberry.field(description="Why none is taken")
    author: str
    recorded_at: datetime


async def _follow_ups(info: Resolve, year: int) -> list[MunicipalityFollowUp] | None:
    found = await registry.follow_ups(info.context.loaders.upstreams.registry, year)
    return [
        MunicipalityFollowUp(
            nis_code=f.nis_code,
            year=f.year,
            reason=f.reason,
            explanation=f.explanation,
            initiative=f.initiative,
            no_initiative_reason=f.no_initiative_reason,
            author=f.author,
            recorded_at=f.recorded_at,
        )
        for f in found
    ]


municipality_follow_ups = strawberry.field(
    resolver=_follow_ups,
    permission_classes=[needs_scope(REPORT)],
    description="Follow-ups recorded for the year's municipalities, by NIS code (ops: report)",
)
