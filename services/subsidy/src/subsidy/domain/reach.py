"""The reach rule: which (academy, year, municipality) an activity proves reached.

Pure functions, no I/O. Today there is one rule for every year; a later issue makes it a
dated rule (rules as data), which is why the rule takes the facts it needs and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True, order=True)
class ReachKey:
    """One academy reaching one municipality (NIS code) in one calendar year."""

    academy_id: str
    year: int
    nis_code: str


@dataclass(frozen=True)
class ActivityFacts:
    """What the rule needs to know of an activity (the subsidy service's own copy)."""

    activity_id: str
    academy_id: str | None
    nis_code: str | None
    public: bool
    status: str
    years: frozenset[int]


@dataclass(frozen=True)
class ReachChange:
    key: ReachKey
    reached: bool


def occurrence_years(starts: Iterable[datetime]) -> frozenset[int]:
    """The calendar years an activity takes place in, as a year in Flanders.

    Each start is taken in Brussels time whatever offset it was sent with (the activities
    service sends UTC), so an activity on 1 January at 00:30 counts for the new year, not
    for the old one as it would in UTC. A start without a zone is Brussels time already.
    """
    return frozenset(_in_brussels(start).year for start in starts)


def _in_brussels(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=BRUSSELS)
    return moment.astimezone(BRUSSELS)


def evidence(facts: ActivityFacts) -> frozenset[ReachKey]:
    """The reach this activity proves: one key per occurrence year, or none.

    An activity counts when it belongs to an academy, took place in a known municipality,
    is public (on the STEM-kalender) and was not cancelled (`unavailable`); a postponed
    (`temporarily_unavailable`) activity still counts, its dates are still planned.
    """
    if facts.academy_id is None or facts.nis_code is None:
        return frozenset()
    if not facts.public or facts.status == "unavailable":
        return frozenset()
    return frozenset(ReachKey(facts.academy_id, year, facts.nis_code) for year in facts.years)


def changes(before: Mapping[ReachKey, bool], after: Mapping[ReachKey, bool]) -> list[ReachChange]:
    """The keys whose reached-ness flipped, in a stable order (the outbox order)."""
    return [
        ReachChange(key, after.get(key, False))
        for key in sorted(before.keys() | after.keys())
        if before.get(key, False) != after.get(key, False)
    ]
