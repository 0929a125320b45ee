"""Ops: participant reports (voluntary) and how complete the reporting is (scope participants)."""

from __future__ import annotations

from datetime import date

import strawberry

from gateway.adapters import registry
from gateway.schema.context import Resolve
from gateway.schema.ids import plain_id
from gateway.schema.scopes import PARTICIPANTS, needs_scope


@strawberry.type(description="Participants an academy reported for a year or a quarter")
class ParticipantReport:
    id: strawberry.ID
    academy_id: strawberry.ID
    year: int
    quarter: int | None = strawberry.field(description="1..4, or null for the whole year")
    participants: int
    under_14: int | None
    from_14: int | None
    reported_on: date


@strawberry.type(description="How many recognised academies reported participants for a year")
class ReportingCompleteness:
    year: int
    recognised: int
    reported: int
    share: float | None = strawberry.field(description="reported / recognised")
    not_reported: list[strawberry.ID] = strawberry.field(description="Academies that did not")


async def _reports(
    info: Resolve, academy_id: strawberry.ID, year: int | None = None
) -> list[ParticipantReport] | None:
    client = info.context.loaders.upstreams.registry
    wanted = plain_id("academyId", academy_id)  # it becomes part of the upstream path
    found = await registry.participant_reports(client, wanted, year)
    if found is None:
        return None
    return [
        ParticipantReport(
            id=strawberry.ID(r.report_id),
            academy_id=strawberry.ID(r.academy_id),
            year=r.year,
            quarter=r.quarter,
            participants=r.participants,
            under_14=r.under_14,
            from_14=r.from_14,
            reported_on=r.reported_on,
        )
        for r in found
    ]


async def _completeness(info: Resolve, year: int) -> ReportingCompleteness | None:
    found = await registry.reporting_completeness(info.context.loaders.upstreams.registry, year)
    return ReportingCompleteness(
        year=found.year,
        recognised=found.recognised,
        reported=found.reported,
        share=found.share,
        not_reported=[strawberry.ID(a) for a in found.not_reported],
    )


participant_reports = strawberry.field(
    resolver=_reports,
    permission_classes=[needs_scope(PARTICIPANTS)],
    description="An academy's participant reports in force (null: no such academy)",
)
reporting_completeness = strawberry.field(
    resolver=_completeness,
    permission_classes=[needs_scope(PARTICIPANTS)],
    description="How complete the voluntary participant reporting of a year is",
)
