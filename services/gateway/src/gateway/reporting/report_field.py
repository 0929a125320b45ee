"""The ops GraphQL field `report(year)`: the yearly "Stand van zaken" (as `stem report`).

It holds participant figures, recognition reviews and subsidies together, so it has a scope
of its own, `report` (STEM_OPS_TOKEN has it, as every scope). The report is assembled whole
(`assemble`), about four upstream reads per year since 2019; its lists have typical sizes in
`LIST_SIZES` for the static cost. Its GraphQL types are the report's `model` itself, so the
answer is the assembled report as it is.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import strawberry
from graphql import GraphQLError

from gateway.reporting.assemble import YearOutOfRange, build_report
from gateway.reporting.model import YearReport
from gateway.reporting.upstream import HttpReportSource
from gateway.schema.context import Resolve
from gateway.schema.scopes import REPORT, needs_scope

BRUSSELS = ZoneInfo("Europe/Brussels")

# Typical list sizes (gateway.domain.cost): 5 provinces, up to 69 municipalities in one,
# 3 nearest academies, about 8 years since 2019, 6 STEM themes, 4 age groups.
LIST_SIZES = {
    "YearReport.gaps": 6,
    "ReportReach.provinces": 5,
    "ReportProvince.reachedMunicipalities": 69,
    "ReportProvince.notReached": 69,
    "ReportNotReached.nearestAcademies": 3,
    "ReportParticipants.academies": 100,
    "ReportRecognition.states": 5,
    "ReportRecognition.recognised": 100,
    "ReportRecognition.reviewsDue": 20,
    "YearReport.trend": 8,
    "ReportTrendYear.newlyReached": 30,
    "ReportTrendYear.dropped": 30,
    "ReportTrendYear.themes": 6,
    "ReportTrendYear.ageGroups": 4,
    "ReportSubsidies.calls": 3,
    "ReportSubsidies.perRole": 3,
    "ReportSubsidies.lines": 100,
    "YearReport.followUps": 70,
}


async def _report(info: Resolve, year: int) -> YearReport | None:
    source = HttpReportSource(info.context.loaders.upstreams)
    today = datetime.now(BRUSSELS).date()
    try:
        return await build_report(source, year, today=today)
    except YearOutOfRange as exc:
        raise GraphQLError(str(exc), extensions={"code": "BAD_USER_INPUT"}) from None


report = strawberry.field(
    resolver=_report,
    permission_classes=[needs_scope(REPORT)],
    description='The yearly "Stand van zaken" of a year from 2019 (ops: report); a year '
    "with incomplete data lists its gaps",
)
