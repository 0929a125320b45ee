"""The reach rule: which (academy, year, municipality, postal code) an activity proves. Pure.

An occurrence qualifies under the rule of its year (`qualifying_rule`, OpenFisca-style
formulas chosen by date): see `formula_2019`. The unit paid for differs per call
(municipality before 2023, postal code from 2023); reach keeps both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from subsidy.domain.recognition import RecognitionHistory

BRUSSELS = ZoneInfo("Europe/Brussels")
_ZERO = timedelta(0)
NO_POSTAL_CODE = ""  # an activity without a postal code still reaches its municipality


@dataclass(frozen=True, order=True)
class ReachKey:
    """One academy reaching one municipality (NIS code of that year) in one calendar year."""

    academy_id: str
    year: int
    nis_code: str


class Proof(NamedTuple):
    """One activity proving reach of a municipality and postal code in a year (a named
    tuple: calculations hold tens of thousands)."""

    academy_id: str
    year: int
    nis_code: str
    postal_code: str
    activity_id: str

    @property
    def key(self) -> ReachKey:
        return ReachKey(self.academy_id, self.year, self.nis_code)


@dataclass(frozen=True)
class OccurrenceFacts:
    day: date  # in Brussels time
    status: str | None = None  # the occurrence's own status, when given
    nis_code: str | None = None  # the municipality on that date, when it differs


@dataclass(frozen=True)
class ActivityFacts:
    """What the rules need to know of an activity (the subsidy service's own copy)."""

    activity_id: str
    academy_id: str | None
    nis_code: str | None
    public: bool
    status: str
    occurrences: tuple[OccurrenceFacts, ...] = ()
    postal_code: str | None = None
    withdrawn: bool = False
    theme_ids: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    audience: str | None = None  # UiT audienceType: everyone (None), members, education
    # Other academies rolling out the same traject (domain.trajecten: claimed once)
    co_organisers: tuple[str, ...] = ()

    @property
    def years(self) -> frozenset[int]:
        return frozenset(o.day.year for o in self.occurrences)


@dataclass(frozen=True)
class ReachChange:
    key: ReachKey
    reached: bool


def brussels_day(moment: datetime) -> date:
    """The date in Flanders: a start without a zone is Brussels time already."""
    if moment.tzinfo is None:
        return moment.date()
    if moment.utcoffset() == _ZERO and moment.hour < 22:  # fast path: same day in Brussels
        return moment.date()
    return moment.astimezone(BRUSSELS).date()


def occurrence_years(starts: Iterable[datetime]) -> frozenset[int]:
    return frozenset(brussels_day(start).year for start in starts)


def in_flanders(nis_code: str) -> bool:
    """Flemish NIS codes: provinces 1 (Antwerpen), 23/24 (Vlaams-Brabant), 3, 4, 7."""
    return nis_code[:1] in {"1", "3", "4", "7"} or nis_code[:2] in {"23", "24"}


NO_DECISIONS = RecognitionHistory()

Qualifies = Callable[[ActivityFacts, OccurrenceFacts, RecognitionHistory, bool], bool]


def formula_2019(
    activity: ActivityFacts, occ: OccurrenceFacts, recognition: RecognitionHistory, unrecorded: bool
) -> bool:
    """From 2019: the activity is public (on the STEM-kalender, not withdrawn, not a draft) and
    not cancelled, the occurrence is not cancelled, takes place in Flanders, and the academy
    is recognised on its date. Postponed (`temporarily_unavailable`) still counts."""
    nis = occ.nis_code or activity.nis_code
    return (
        activity.public
        and not activity.withdrawn
        and activity.status != "unavailable"
        and occ.status != "unavailable"
        and nis is not None
        and in_flanders(nis)
        and recognition.recognised_on(occ.day, unrecorded_counts=unrecorded)
    )


FORMULAS: dict[int, Qualifies] = {2019: formula_2019}


def qualifying_rule(year: int) -> Qualifies | None:
    """The formula in force in `year` (the latest that started on or before it)."""
    starts = [start for start in FORMULAS if start <= year]
    return FORMULAS[max(starts)] if starts else None


def evidence(
    facts: ActivityFacts,
    recognition: RecognitionHistory = NO_DECISIONS,
    unrecorded_counts: Callable[[int], bool] = lambda _year: False,
) -> frozenset[Proof]:
    """The proofs this activity gives: one per qualifying occurrence's year and place."""
    if facts.academy_id is None:
        return frozenset()
    found = set()
    for occ in facts.occurrences:
        rule = qualifying_rule(occ.day.year)
        if rule is None or not rule(facts, occ, recognition, unrecorded_counts(occ.day.year)):
            continue
        nis = occ.nis_code or facts.nis_code
        assert nis is not None  # the rule checked it
        postal = facts.postal_code or NO_POSTAL_CODE
        found.add(Proof(facts.academy_id, occ.day.year, nis, postal, facts.activity_id))
    return frozenset(found)


def changes(before: Mapping[ReachKey, bool], after: Mapping[ReachKey, bool]) -> list[ReachChange]:
    """The keys whose reached-ness flipped, in a stable order (the outbox order)."""
    return [
        ReachChange(key, after.get(key, False))
        for key in sorted(before.keys() | after.keys())
        if before.get(key, False) != after.get(key, False)
    ]
