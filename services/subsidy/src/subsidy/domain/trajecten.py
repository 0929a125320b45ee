"""Trajecten: which activities are a STEM-traject, and which academy claims one. Pure.

The calls pay for places "reached with a STEM-traject" (2020, 2021 [S V5, V7]) or where "a
STEM-traject is rolled out" (2023 [S V12, V13]). Reach itself (the coverage figures, Q1)
counts every held session of a recognised academy: VLAIO counts "gemeenten waar een
STEM-academie is doorgegaan" (the parliamentary answer), not trajecten (ADR 0013). So the
traject rule is applied where the calls pay (`calculation.calculate`), not to reach. The
rules we apply (README "Trajecten"):

- One UiT activity (event) is one traject candidate; its sessions are its occurrences (a
  multi-day occurrence, a camp, one per day: `domain.sessions.subevent_days`), or the
  sessions its periodic/permanent calendar expands to (`domain.sessions`).
- It is a traject when it has at least `stem/recognition/min_sessions_per_traject` sessions
  (2, inferred from "continuïteit = at least 2 activities offered in a row to the same
  participants" [S V2]). Counted over the whole traject, not per year: continuity is a
  property of the series, so a course of one session in December and one in January is a
  traject paying in both years. The minimum is the one in force in the year paid.
- One activity is one dagdeel [S V2]; the subsidy copy keeps the day of each session, so
  sessions on the same day count once (two dagdelen of one day count as one: the count
  never exceeds the dagdelen held). Cancelled sessions are not held and do not count.
- Co-organised: "one traject rolled out by several academies is not claimed by each of
  them" [S V13]. Which one claims it the sources do not say; we apply
  `stem/trajecten/co_organised_claimed_by` = `organizer` (inferred): the academy of the UiT
  `organizer`, the party responsible for the event. If an operator sets it `unknown`, a
  co-organised traject is claimed by no one (fails closed); a traject of one academy is
  unaffected. UiT events have one organizer; UiT `contributors` are editors' e-mail
  addresses (deprecated, uitdatabank.md §2), not co-organisers, so the co-organising
  academies (`Traject.co_organisers`) are not read from UiT.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from subsidy.domain.reach import ActivityFacts, Proof

MIN_SESSIONS = "stem/recognition/min_sessions_per_traject"
CLAIMED_BY = "stem/trajecten/co_organised_claimed_by"
ORGANIZER = "organizer"  # the only claimant rule known; any other value claims nothing


@dataclass(frozen=True)
class Traject:
    """What the payment needs of one activity: its held sessions over the whole traject."""

    activity_id: str
    academy_id: str | None
    sessions: int  # distinct days held (not cancelled), over the whole traject
    first: date | None = None
    last: date | None = None
    co_organisers: tuple[str, ...] = ()

    @property
    def co_organised(self) -> bool:
        return bool(set(self.co_organisers) - {self.academy_id})


def held_days(facts: ActivityFacts) -> list[date]:
    """The days the activity's sessions are held, in order: distinct, not cancelled."""
    if facts.status == "unavailable":
        return []
    return sorted({o.day for o in facts.occurrences if o.status != "unavailable"})


def sessions_held(facts: ActivityFacts) -> int:
    """The sessions of the whole traject that are held: distinct days, not cancelled."""
    return len(held_days(facts))


def traject_of(facts: ActivityFacts) -> Traject:
    days = held_days(facts)
    return Traject(
        facts.activity_id,
        facts.academy_id,
        len(days),
        days[0] if days else None,
        days[-1] if days else None,
        facts.co_organisers,
    )


def claimant(traject: Traject, claimed_by: str | None) -> str | None:
    """The one academy that claims the traject: its own academy when it has no
    co-organiser; when co-organised, the organizer's under `organizer`, else no one."""
    if not traject.co_organised:
        return traject.academy_id
    return traject.academy_id if claimed_by == ORGANIZER else None


def payable(
    proofs: Iterable[Proof],
    trajecten: Mapping[str, Traject],
    min_sessions: int,
    claimed_by: str | None,
) -> frozenset[Proof]:
    """The proofs a call paying per place "reached with a traject" may pay: those of an
    activity that is a traject (at least `min_sessions` held) claimed by the proof's
    academy. An activity missing from `trajecten` pays nothing (fails closed)."""
    return frozenset(
        p
        for p in proofs
        if (t := trajecten.get(p.activity_id)) is not None
        and t.sessions >= min_sessions
        and p.academy_id == claimant(t, claimed_by)
    )


COVERAGE_NEEDS_TRAJECT = "stem/coverage/traject_required"


def of_trajecten(
    proofs: frozenset[Proof], trajecten: Mapping[str, Traject], min_sessions: int
) -> frozenset[Proof]:
    """The proofs of activities that are a traject (for a year whose coverage figures count
    only places reached with one, `COVERAGE_NEEDS_TRAJECT`): reach is a fact of the place,
    so who claims a co-organised traject does not matter here."""
    return frozenset(
        p
        for p in proofs
        if (t := trajecten.get(p.activity_id)) is not None and t.sessions >= min_sessions
    )


def describe(traject: Traject, claimed_by: str | None) -> str:
    """How a traject made a euro payable: activity, sessions, first and last day."""
    text = (
        f"traject {traject.activity_id}: {traject.sessions} sessions held,"
        f" first {traject.first}, last {traject.last}"
    )
    if traject.co_organised:
        text += f"; co-organised, claimed by the {claimed_by}'s academy"
    return text
