"""What the yearly report holds. Plain frozen data: the renderers and GraphQL read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

FIRST_YEAR = 2019  # the first year of the questions (reach 2019: 162 municipalities)
QUARTERS = (1, 2, 3, 4)


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 decimals; None when there is no whole."""
    return None if whole == 0 else round(part / whole, 4)


@dataclass(frozen=True)
class Place:
    nis_code: str
    name: str


@dataclass(frozen=True)
class NearAcademy:
    academy_id: str
    name: str
    km: float


@dataclass(frozen=True)
class NotReached:
    nis_code: str
    name: str
    nearest: tuple[NearAcademy, ...]


@dataclass(frozen=True)
class ProvinceReach:
    province: str
    reached: tuple[Place, ...]
    not_reached: tuple[NotReached, ...]

    @property
    def total(self) -> int:
        return len(self.reached) + len(self.not_reached)

    @property
    def share(self) -> float | None:
        return share(len(self.reached), self.total)


@dataclass(frozen=True)
class Reach:
    provinces: tuple[ProvinceReach, ...]
    # Which academies the figures count, said in words with the parameter and its source
    # (subsidy's stem/coverage/academies_counted: the network in 2019, recognised from 2020).
    counted: str = ""
    # Activities of academies without a recognition in force: counted apart, never paid.
    unrecognised_activities: int = 0
    unrecognised_academies: int = 0
    only_unrecognised: tuple[Place, ...] = ()  # municipalities only they reach

    @property
    def reached(self) -> int:
        return sum(len(p.reached) for p in self.provinces)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.provinces)

    @property
    def share(self) -> float | None:
        return share(self.reached, self.total)


@dataclass(frozen=True)
class AcademyParticipants:
    """One academy's voluntary figures for the year. `participants` is the whole-year
    report, or else the sum of the quarters it reported (`from_quarters`)."""

    academy_id: str
    name: str
    participants: int | None
    from_quarters: bool
    quarters: tuple[int | None, int | None, int | None, int | None]
    under_14: int | None
    from_14: int | None

    @property
    def reported(self) -> bool:
        return self.participants is not None

    @property
    def first_half(self) -> int | None:
        """Q1 + Q2, when both were reported (the question asks for the first two quarters)."""
        q1, q2 = self.quarters[0], self.quarters[1]
        return None if q1 is None or q2 is None else q1 + q2


@dataclass(frozen=True)
class Participants:
    academies: tuple[AcademyParticipants, ...]  # those that reported, then those that did not
    recognised: int  # academies recognised on some day of the year
    reported: int  # of those, how many reported for the year

    @property
    def share(self) -> float | None:
        return share(self.reported, self.recognised)

    @property
    def total(self) -> int:
        return sum(a.participants or 0 for a in self.academies)

    def quarter_total(self, quarter: int) -> int:
        return sum(a.quarters[quarter - 1] or 0 for a in self.academies)

    def quarter_reporters(self, quarter: int) -> int:
        return sum(a.quarters[quarter - 1] is not None for a in self.academies)


@dataclass(frozen=True)
class RecognitionState:
    academy_id: str
    name: str
    status: str
    valid_until: date | None


@dataclass(frozen=True)
class ReviewDue:
    academy_id: str
    name: str
    status: str
    valid_until: date
    overdue: bool  # ran out before the report's reference day without a new decision


@dataclass(frozen=True)
class Recognition:
    on: date  # the day the states are read (the year's last day, or today in an open year)
    recognised: tuple[RecognitionState, ...]
    reviews_due: tuple[ReviewDue, ...]  # current recognitions running out by the year's end

    def states(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for state in self.recognised:
            counts[state.status] = counts.get(state.status, 0) + 1
        return sorted(counts.items())


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class TrendYear:
    year: int
    reached: int
    total: int
    newly_reached: tuple[Place, ...] | None  # None for the first year (nothing to compare)
    dropped: tuple[Place, ...] | None
    activities: int  # public activities with an occurrence that year
    empty_months: tuple[int, ...]  # months (of the year, up to the report day) without any
    themes: tuple[Count, ...]
    age_groups: tuple[Count, ...]

    @property
    def share(self) -> float | None:
        return share(self.reached, self.total)


@dataclass(frozen=True)
class SubsidyLine:
    academy_id: str
    name: str
    role: str
    call_id: str
    paid_eur: Decimal


@dataclass(frozen=True)
class RoleTotal:
    role: str
    academies: int
    paid_eur: Decimal


@dataclass(frozen=True)
class CallStatus:
    call_id: str
    role: str
    source: str
    calculated: bool
    missing: tuple[str, ...]  # the unknown parameters when it could not be calculated


@dataclass(frozen=True)
class Subsidies:
    rules_known: bool  # at least one call is known for the year and was calculated
    run_id: str | None
    illustrative: bool
    calls: tuple[CallStatus, ...]
    lines: tuple[SubsidyLine, ...]
    note: str  # one sentence on what the figures are, or why there are none

    def per_role(self) -> list[RoleTotal]:
        by_role: dict[str, tuple[set[str], Decimal]] = {}
        for line in self.lines:
            academies, paid = by_role.get(line.role, (set(), Decimal(0)))
            by_role[line.role] = (academies | {line.academy_id}, paid + line.paid_eur)
        return [RoleTotal(r, len(a), p) for r, (a, p) in sorted(by_role.items())]


@dataclass(frozen=True)
class Gap:
    """Something the year's figures lack; the report says so instead of looking complete."""

    kind: str  # year_not_closed | activities_missing | participants_missing | rules_unknown |
    #            not_calculated | illustrative | no_reach
    message: str


@dataclass(frozen=True)
class FollowUp:
    """What ops recorded for a municipality not reached (Q2b: why; Q2c: the initiative, or
    why there is none). Read from the registry (`/municipality-follow-ups`)."""

    nis_code: str
    name: str
    province: str
    reason: str  # the registry's reason code (no_local_partner, low_demand, other, ...)
    explanation: str | None
    initiative: str | None
    no_initiative_reason: str | None
    author: str
    recorded_on: date


@dataclass(frozen=True)
class YearReport:
    year: int
    generated_on: date
    closed: bool  # the year is over
    reach: Reach
    participants: Participants
    recognition: Recognition
    trend: tuple[TrendYear, ...]  # FIRST_YEAR .. year
    subsidies: Subsidies
    gaps: tuple[Gap, ...]
    # The follow-ups of the year's municipalities not reached (by province and name).
    follow_ups: tuple[FollowUp, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.gaps

    @property
    def not_followed_up(self) -> int:
        """Municipalities not reached with nothing recorded on why or what follows."""
        return sum(len(p.not_reached) for p in self.reach.provinces) - len(self.follow_ups)
