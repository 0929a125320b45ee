"""Ops: `report(year)`, the yearly "Stand van zaken" (the same content as `stem report`).

It holds participant figures, recognition reviews and subsidies together, so it has a scope
of its own, `report` (STEM_OPS_TOKEN has it, as every scope). The report is
assembled whole (`gateway.reporting`), about four upstream reads per year since 2019; its
lists have typical sizes in `LIST_SIZES` for the static cost.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import strawberry
from graphql import GraphQLError

from gateway.reporting import model
from gateway.reporting.assemble import YearOutOfRange, build_report
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


@strawberry.type(description="Something the year's data lacks")
class ReportGap:
    kind: str = strawberry.field(
        description="year_not_closed, activities_missing, no_reach, participants_missing, "
        "rules_unknown, not_calculated or illustrative"
    )
    message: str


@strawberry.type(description="A municipality (on the boundaries of the report's year)")
class ReportPlace:
    nis_code: str
    name: str


@strawberry.type(description="An academy active that year near a municipality not reached")
class ReportNearAcademy:
    academy_id: strawberry.ID
    name: str
    km: float


@strawberry.type(description="A municipality not reached, with the nearest active academies")
class ReportNotReached:
    nis_code: str
    name: str
    nearest_academies: list[ReportNearAcademy]


@strawberry.type(description="Reach in one province")
class ReportProvince:
    province: str
    reached: int
    total: int
    share: float | None
    reached_municipalities: list[ReportPlace]
    not_reached: list[ReportNotReached]


@strawberry.type(description="Municipalities reached in the year, of the total, per province")
class ReportReach:
    reached: int
    total: int
    share: float | None
    provinces: list[ReportProvince]


@strawberry.type(description="An academy's voluntary participant figures for the year")
class ReportAcademyParticipants:
    academy_id: strawberry.ID
    name: str
    participants: int | None = strawberry.field(
        description="The whole-year report, else the sum of the quarters reported"
    )
    from_quarters: bool
    quarters: list[int | None] = strawberry.field(description="Q1..Q4, null: not reported")
    first_half: int | None = strawberry.field(description="Q1 + Q2 when both were reported")
    under_14: int | None
    from_14: int | None
    reported: bool


@strawberry.type(description="Participants per academy, and how complete the reporting is")
class ReportParticipants:
    recognised: int
    reported: int
    share: float | None = strawberry.field(description="reported / recognised")
    total: int
    quarter_totals: list[int] = strawberry.field(description="Q1..Q4 summed over academies")
    academies: list[ReportAcademyParticipants]


@strawberry.type(description="A label and how often it occurs")
class ReportCount:
    key: str
    label: str
    count: int


@strawberry.type(description="An academy's recognition status on the report's day")
class ReportRecognitionState:
    academy_id: strawberry.ID
    name: str
    status: str
    valid_until: date | None


@strawberry.type(description="A current recognition that runs out by the end of the year")
class ReportReviewDue:
    academy_id: strawberry.ID
    name: str
    status: str
    valid_until: date
    overdue: bool


@strawberry.type(description="Recognition follow-up: states and reviews due")
class ReportRecognition:
    on: date
    states: list[ReportCount]
    recognised: list[ReportRecognitionState]
    reviews_due: list[ReportReviewDue]


@strawberry.type(description="One year of the trend since 2019")
class ReportTrendYear:
    year: int
    reached: int
    total: int
    share: float | None
    newly_reached: list[ReportPlace] | None = strawberry.field(description="null in 2019")
    dropped: list[ReportPlace] | None = strawberry.field(description="null in 2019")
    activities: int
    empty_months: list[int] = strawberry.field(description="Months over without any activity")
    themes: list[ReportCount]
    age_groups: list[ReportCount]


@strawberry.type(description="A subsidy call of the year and whether it could be calculated")
class ReportCall:
    call_id: str
    role: str
    source: str
    calculated: bool
    missing: list[str] = strawberry.field(description="Its unknown parameters")


@strawberry.type(description="What a role receives in all")
class ReportRoleTotal:
    role: str
    academies: int
    paid_eur: Decimal


@strawberry.type(description="What an academy receives for a role and call")
class ReportSubsidyLine:
    academy_id: strawberry.ID
    name: str
    role: str
    call_id: str
    paid_eur: Decimal


@strawberry.type(description="Subsidies per role, where the year's rules are known")
class ReportSubsidies:
    rules_known: bool
    run_id: str | None
    illustrative: bool
    note: str
    calls: list[ReportCall]
    per_role: list[ReportRoleTotal]
    lines: list[ReportSubsidyLine]


@strawberry.type(description="Why a municipality not reached is not, and what follows (Q2b/c)")
class ReportFollowUp:
    nis_code: str
    name: str
    province: str
    reason: str = strawberry.field(description="The registry's reason code")
    explanation: str | None
    initiative: str | None = strawberry.field(description="The initiative planned")
    no_initiative_reason: str | None = strawberry.field(description="Why none is taken")
    author: str
    recorded_on: date


@strawberry.type(description='The yearly "Stand van zaken" (as `stem report`)')
class YearReport:
    year: int
    generated_on: date
    closed: bool = strawberry.field(description="The year is over")
    complete: bool = strawberry.field(description="No gaps")
    gaps: list[ReportGap]
    reach: ReportReach
    participants: ReportParticipants
    recognition: ReportRecognition
    trend: list[ReportTrendYear]
    subsidies: ReportSubsidies
    follow_ups: list[ReportFollowUp] = strawberry.field(
        description="The recorded follow-ups of the municipalities not reached"
    )
    not_reached_without_follow_up: int = strawberry.field(
        description="Municipalities not reached with nothing recorded"
    )


def _places(places: tuple[model.Place, ...] | None) -> list[ReportPlace] | None:
    return (
        None if places is None else [ReportPlace(nis_code=p.nis_code, name=p.name) for p in places]
    )


def _counts(counts: tuple[model.Count, ...]) -> list[ReportCount]:
    return [ReportCount(key=c.key, label=c.label, count=c.count) for c in counts]


def of(r: model.YearReport) -> YearReport:
    people, rec, subs = r.participants, r.recognition, r.subsidies
    return YearReport(
        year=r.year,
        generated_on=r.generated_on,
        closed=r.closed,
        complete=r.complete,
        gaps=[ReportGap(kind=g.kind, message=g.message) for g in r.gaps],
        reach=ReportReach(
            reached=r.reach.reached,
            total=r.reach.total,
            share=r.reach.share,
            provinces=[
                ReportProvince(
                    province=p.province,
                    reached=len(p.reached),
                    total=p.total,
                    share=p.share,
                    reached_municipalities=_places(p.reached) or [],
                    not_reached=[
                        ReportNotReached(
                            nis_code=m.nis_code,
                            name=m.name,
                            nearest_academies=[
                                ReportNearAcademy(
                                    academy_id=strawberry.ID(a.academy_id), name=a.name, km=a.km
                                )
                                for a in m.nearest
                            ],
                        )
                        for m in p.not_reached
                    ],
                )
                for p in r.reach.provinces
            ],
        ),
        participants=ReportParticipants(
            recognised=people.recognised,
            reported=people.reported,
            share=people.share,
            total=people.total,
            quarter_totals=[people.quarter_total(q) for q in model.QUARTERS],
            academies=[
                ReportAcademyParticipants(
                    academy_id=strawberry.ID(a.academy_id),
                    name=a.name,
                    participants=a.participants,
                    from_quarters=a.from_quarters,
                    quarters=list(a.quarters),
                    first_half=a.first_half,
                    under_14=a.under_14,
                    from_14=a.from_14,
                    reported=a.reported,
                )
                for a in people.academies
            ],
        ),
        recognition=ReportRecognition(
            on=rec.on,
            states=[ReportCount(key=s, label=s, count=n) for s, n in rec.states()],
            recognised=[
                ReportRecognitionState(
                    academy_id=strawberry.ID(s.academy_id),
                    name=s.name,
                    status=s.status,
                    valid_until=s.valid_until,
                )
                for s in rec.recognised
            ],
            reviews_due=[
                ReportReviewDue(
                    academy_id=strawberry.ID(d.academy_id),
                    name=d.name,
                    status=d.status,
                    valid_until=d.valid_until,
                    overdue=d.overdue,
                )
                for d in rec.reviews_due
            ],
        ),
        trend=[
            ReportTrendYear(
                year=t.year,
                reached=t.reached,
                total=t.total,
                share=t.share,
                newly_reached=_places(t.newly_reached),
                dropped=_places(t.dropped),
                activities=t.activities,
                empty_months=list(t.empty_months),
                themes=_counts(t.themes),
                age_groups=_counts(t.age_groups),
            )
            for t in r.trend
        ],
        subsidies=ReportSubsidies(
            rules_known=subs.rules_known,
            run_id=subs.run_id,
            illustrative=subs.illustrative,
            note=subs.note,
            calls=[
                ReportCall(
                    call_id=c.call_id,
                    role=c.role,
                    source=c.source,
                    calculated=c.calculated,
                    missing=list(c.missing),
                )
                for c in subs.calls
            ],
            per_role=[
                ReportRoleTotal(role=t.role, academies=t.academies, paid_eur=t.paid_eur)
                for t in subs.per_role()
            ],
            lines=[
                ReportSubsidyLine(
                    academy_id=strawberry.ID(s.academy_id),
                    name=s.name,
                    role=s.role,
                    call_id=s.call_id,
                    paid_eur=s.paid_eur,
                )
                for s in subs.lines
            ],
        ),
        follow_ups=[ReportFollowUp(**vars(f)) for f in r.follow_ups],
        not_reached_without_follow_up=r.not_followed_up,
    )


async def _report(info: Resolve, year: int) -> YearReport | None:
    source = HttpReportSource(info.context.loaders.upstreams)
    today = datetime.now(BRUSSELS).date()
    try:
        found = await build_report(source, year, today=today)
    except YearOutOfRange as exc:
        raise GraphQLError(str(exc), extensions={"code": "BAD_USER_INPUT"}) from None
    return of(found)


report = strawberry.field(
    resolver=_report,
    permission_classes=[needs_scope(REPORT)],
    description='The yearly "Stand van zaken" of a year from 2019 (ops: report); a year '
    "with incomplete data lists its gaps",
)
