"""The sessions of a periodic or permanent activity, from its compact calendar.

One rule in one place: the activities service reads a UiTdatabank document into these
rules (`period`, `hours`, `closed`, `adjusted`: what the document carries, never thousands
of dates), the event snapshot carries them, and the subsidy service expands them here
into the days that sessions are held (uitdatabank.md §2-3; ../shared/docs/uitdatabank.md).

- `openingHours` `{dayOfWeek, opens, closes}`: one session on each such weekday.
- `openingHoursClosedDays` (date ranges): no session on those days.
- `openingHoursAdjustedDays` (date ranges with their own `openingHours`): on those days
  the adjusted hours replace the weekly ones (an empty list: closed).
- A periodic event without opening hours is held on every day of its period.
- A permanent event with opening hours is held on its weekdays within the window the
  caller gives (the subsidy service: the years it reports); one without opening hours
  has no session at all (it carries no date UiTdatabank or the academy ever stated).
- At most `MAX_SESSIONS` (the latest ones): the same bound as one activity's dates in the
  activities service, so an expansion never holds more than a document may.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
MAX_SESSIONS = 2_000  # = activities `limits.MAX_OCCURRENCES` (a test holds them equal)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Kind = Literal["periodic", "permanent"]


@dataclass(frozen=True)
class WeeklyHours:
    """One `openingHours` entry: open on these weekdays (0 is Monday) from `opens` to `closes`."""

    weekdays: tuple[int, ...]
    opens: time
    closes: time


@dataclass(frozen=True)
class DayRange:
    """Days `first` to `last`, both included (Brussels dates)."""

    first: date
    last: date

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class AdjustedDays:
    """Days whose weekly hours are replaced by `hours` (none: closed)."""

    days: DayRange
    hours: tuple[WeeklyHours, ...] = ()


@dataclass(frozen=True)
class CalendarRules:
    """A periodic or permanent calendar as UiTdatabank states it."""

    kind: Kind
    period: DayRange | None = None  # periodic: startDate..endDate; permanent: none
    hours: tuple[WeeklyHours, ...] = ()
    closed: tuple[DayRange, ...] = ()
    adjusted: tuple[AdjustedDays, ...] = ()


@dataclass(frozen=True, order=True)
class Session:
    """A day the activity is held; times are Brussels wall-clock times, when stated."""

    day: date
    opens: time | None = None
    closes: time | None = None

    def start(self) -> datetime:
        return datetime.combine(self.day, self.opens or time(0, 0), BRUSSELS)

    def end(self) -> datetime | None:
        if self.closes is None:
            return None
        return datetime.combine(self.day, self.closes, BRUSSELS)


def sessions(
    rules: CalendarRules, window: DayRange | None = None, limit: int = MAX_SESSIONS
) -> tuple[Session, ...]:
    """The sessions of `rules` within `window` (the whole period when None), in date order:
    at most `limit`, the latest kept. A permanent calendar needs a window."""
    span = _span(rules, window)
    if span is None:
        return ()
    if rules.kind == "permanent" and not rules.hours:
        return ()
    found = list(_held(rules, span))
    return tuple(found[-limit:]) if limit >= 0 else ()


def _span(rules: CalendarRules, window: DayRange | None) -> DayRange | None:
    bounds = [r for r in (rules.period, window) if r is not None]
    if not bounds:
        return None
    first, last = max(r.first for r in bounds), min(r.last for r in bounds)
    return DayRange(first, last) if first <= last else None


def _held(rules: CalendarRules, span: DayRange) -> Iterator[Session]:
    day = span.first
    while day <= span.last:
        if not any(c.holds(day) for c in rules.closed):
            yield from _on(rules, day)
        day += timedelta(days=1)


def _on(rules: CalendarRules, day: date) -> Iterator[Session]:
    hours = next((a.hours for a in rules.adjusted if a.days.holds(day)), None)
    if hours is None:
        if not rules.hours:  # periodic without hours: every day of the period
            yield Session(day)
            return
        hours = rules.hours
    for entry in sorted(
        (h for h in hours if day.weekday() in h.weekdays), key=lambda h: (h.opens, h.closes)
    ):
        yield Session(day, entry.opens, entry.closes)
