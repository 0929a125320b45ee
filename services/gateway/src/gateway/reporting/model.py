"""What the yearly report holds: plain data that the renderers read and that is, as it
stands, the GraphQL type of `report(year)` (names `Report*`, fields in the schema's order).
Built once by `assemble` and only read afterwards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from gateway.reporting.graphql_type import computed, report_type

FIRST_YEAR = 2019  # the first year of the questions (reach 2019: 162 municipalities)
QUARTERS = (1, 2, 3, 4)
ID = strawberry.ID  # an academy id is a GraphQL ID, a str in Python


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 decimals; None when there is no whole."""
    return None if whole == 0 else round(part / whole, 4)


@report_type("ReportPlace", "A municipality (on the boundaries of the report's year)")
class Place:
    nis_code: str
    name: str


@report_type("ReportNearAcademy", "An academy active that year near a municipality not reached")
class NearAcademy:
    academy_id: str = strawberry.field(graphql_type=ID)
    name: str
    km: float


@report_type("ReportNotReached", "A municipality not reached, with the nearest active academies")
class NotReached:
    nis_code: str
    name: str
    nearest: tuple[NearAcademy, ...] = strawberry.field(name="nearestAcademies")


@report_type("ReportProvince", "Reach in one province")
class ProvinceReach:
    province: str
    reached_count: int = computed(lambda self: len(self.reached), name="reached")
    total: int = computed(lambda self: len(self.reached) + len(self.not_reached))
    share: float | None = computed(lambda self: share(len(self.reached), self.total))
    reached: tuple[Place, ...] = strawberry.field(name="reachedMunicipalities")
    not_reached: tuple[NotReached, ...]


@report_type("ReportReach", "Municipalities reached in the year, of the total, per province")
class Reach:
    reached: int = computed(lambda self: sum(len(p.reached) for p in self.provinces))
    total: int = computed(lambda self: sum(p.total for p in self.provinces))
    share: float | None = computed(lambda self: share(self.reached, self.total))
    provinces: tuple[ProvinceReach, ...]
    # Which academies the figures count, said in words with the parameter and its source
    # (subsidy's stem/coverage/academies_counted: the network in 2019, recognised from 2020).
    counted: strawberry.Private[str] = ""
    # Activities of academies without a recognition in force: counted apart, never paid.
    unrecognised_activities: strawberry.Private[int] = 0
    unrecognised_academies: strawberry.Private[int] = 0
    only_unrecognised: strawberry.Private[tuple[Place, ...]] = ()  # municipalities only they reach


@report_type("ReportAcademyParticipants", "An academy's voluntary participant figures for the year")
class AcademyParticipants:
    """`participants` is the whole-year report, or else the sum of the quarters it reported
    (`from_quarters`)."""

    academy_id: str = strawberry.field(graphql_type=ID)
    name: str
    participants: int | None = strawberry.field(
        description="The whole-year report, else the sum of the quarters reported"
    )
    from_quarters: bool
    quarters: tuple[int | None, int | None, int | None, int | None] = strawberry.field(
        graphql_type=list[int | None], description="Q1..Q4, null: not reported"
    )

    def _first_half(self) -> int | None:
        q1, q2 = self.quarters[0], self.quarters[1]
        return None if q1 is None or q2 is None else q1 + q2

    first_half: int | None = computed(_first_half, description="Q1 + Q2 when both were reported")
    under_14: int | None
    from_14: int | None
    reported: bool = computed(lambda self: self.participants is not None)


@report_type("ReportParticipants", "Participants per academy, and how complete the reporting is")
class Participants:
    recognised: int  # academies recognised on some day of the year
    reported: int  # of those, how many reported for the year
    share: float | None = computed(
        lambda self: share(self.reported, self.recognised), description="reported / recognised"
    )
    total: int = computed(lambda self: sum(a.participants or 0 for a in self.academies))
    quarter_totals: tuple[int, ...] = computed(
        lambda self: tuple(self.quarter_total(q) for q in QUARTERS),
        description="Q1..Q4 summed over academies",
    )
    academies: tuple[AcademyParticipants, ...]  # those that reported, then those that did not

    def quarter_total(self, quarter: int) -> int:
        return sum(a.quarters[quarter - 1] or 0 for a in self.academies)

    def quarter_reporters(self, quarter: int) -> int:
        return sum(a.quarters[quarter - 1] is not None for a in self.academies)


@report_type("ReportCount", "A label and how often it occurs")
class Count:
    key: str
    label: str
    count: int


@report_type("ReportRecognitionState", "An academy's recognition status on the report's day")
class RecognitionState:
    academy_id: str = strawberry.field(graphql_type=ID)
    name: str
    status: str
    valid_until: date | None


@report_type("ReportReviewDue", "A current recognition that runs out by the end of the year")
class ReviewDue:
    academy_id: str = strawberry.field(graphql_type=ID)
    name: str
    status: str
    valid_until: date
    overdue: bool  # ran out before the report's reference day without a new decision


@report_type("ReportRecognition", "Recognition follow-up: states and reviews due")
class Recognition:
    on: date  # the day the states are read (the year's last day, or today in an open year)

    def _states(self) -> tuple[Count, ...]:
        counts: dict[str, int] = {}
        for state in self.recognised:
            counts[state.status] = counts.get(state.status, 0) + 1
        return tuple(Count(key=s, label=s, count=n) for s, n in sorted(counts.items()))

    states: tuple[Count, ...] = computed(_states)  # how many academies per status
    recognised: tuple[RecognitionState, ...]
    reviews_due: tuple[ReviewDue, ...]  # current recognitions running out by the year's end


@report_type("ReportTrendYear", "One year of the trend since 2019")
class TrendYear:
    year: int
    reached: int
    total: int
    share: float | None = computed(lambda self: share(self.reached, self.total))
    # None for the first year (nothing to compare)
    newly_reached: tuple[Place, ...] | None = strawberry.field(description="null in 2019")
    dropped: tuple[Place, ...] | None = strawberry.field(description="null in 2019")
    activities: int  # public activities with an occurrence that year
    # months (of the year, up to the report day) without any
    empty_months: tuple[int, ...] = strawberry.field(description="Months over without any activity")
    themes: tuple[Count, ...]
    age_groups: tuple[Count, ...]


@report_type("ReportSubsidyLine", "What an academy receives for a role and call")
class SubsidyLine:
    academy_id: str = strawberry.field(graphql_type=ID)
    name: str
    role: str
    call_id: str
    paid_eur: Decimal


@report_type("ReportRoleTotal", "What a role receives in all")
class RoleTotal:
    role: str
    academies: int
    paid_eur: Decimal


@report_type("ReportCall", "A subsidy call of the year and whether it could be calculated")
class CallStatus:
    call_id: str
    role: str
    source: str
    calculated: bool
    # the unknown parameters when it could not be calculated
    missing: tuple[str, ...] = strawberry.field(description="Its unknown parameters")


@report_type("ReportSubsidies", "Subsidies per role, where the year's rules are known")
class Subsidies:
    rules_known: bool  # at least one call is known for the year and was calculated
    run_id: str | None
    illustrative: bool
    note: str  # one sentence on what the figures are, or why there are none
    calls: tuple[CallStatus, ...]

    def _per_role(self) -> tuple[RoleTotal, ...]:
        by_role: dict[str, tuple[set[str], Decimal]] = {}
        for line in self.lines:
            academies, paid = by_role.get(line.role, (set(), Decimal(0)))
            by_role[line.role] = (academies | {line.academy_id}, paid + line.paid_eur)
        return tuple(
            RoleTotal(role=r, academies=len(a), paid_eur=p) for r, (a, p) in sorted(by_role.items())
        )

    per_role: tuple[RoleTotal, ...] = computed(_per_role)
    lines: tuple[SubsidyLine, ...]


@report_type("ReportGap", "Something the year's data lacks")
class Gap:
    """Something the year's figures lack; the report says so instead of looking complete."""

    kind: str = strawberry.field(
        description="year_not_closed, activities_missing, no_reach, participants_missing, "
        "rules_unknown, not_calculated or illustrative"
    )
    message: str


@report_type("ReportFollowUp", "Why a municipality not reached is not, and what follows (Q2b/c)")
class FollowUp:
    """What ops recorded for a municipality not reached (Q2b: why; Q2c: the initiative, or
    why there is none). Read from the registry (`/municipality-follow-ups`)."""

    nis_code: str
    name: str
    province: str
    # the registry's reason code (no_local_partner, low_demand, other, ...)
    reason: str = strawberry.field(description="The registry's reason code")
    explanation: str | None
    initiative: str | None = strawberry.field(description="The initiative planned")
    no_initiative_reason: str | None = strawberry.field(description="Why none is taken")
    author: str
    recorded_on: date


@report_type("YearReport", 'The yearly "Stand van zaken" (as `stem report`)')
class YearReport:
    year: int
    generated_on: date
    closed: bool = strawberry.field(description="The year is over")
    complete: bool = computed(lambda self: not self.gaps, description="No gaps")
    gaps: tuple[Gap, ...]
    reach: Reach
    participants: Participants
    recognition: Recognition
    trend: tuple[TrendYear, ...]  # FIRST_YEAR .. year
    subsidies: Subsidies
    # The follow-ups of the year's municipalities not reached (by province and name).
    follow_ups: tuple[FollowUp, ...] = strawberry.field(
        default=(), description="The recorded follow-ups of the municipalities not reached"
    )

    def _not_followed_up(self) -> int:
        """Municipalities not reached with nothing recorded on why or what follows."""
        return sum(len(p.not_reached) for p in self.reach.provinces) - len(self.follow_ups)

    not_followed_up: int = computed(
        _not_followed_up,
        name="notReachedWithoutFollowUp",
        description="Municipalities not reached with nothing recorded",
    )
