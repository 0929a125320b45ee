"""Dates, availability and age of an event (uitdatabank.md §1, §3, §8, §9).

Every calendar type: single and multiple from `subEvent` (older documents have only the
top-level dates), periodic as one range, permanent without dates. Dates without a zone
are Brussels time. Periodic and permanent ones also keep their compact calendar (`rules`:
the period, `openingHours`, `openingHoursClosedDays`, `openingHoursAdjustedDays`), from
which `stemkit.domain.calendar_rules.sessions` derives the days they are held.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from activities.domain import jsonld
from activities.domain.model import BRUSSELS, Occurrence, Status
from stemkit.domain.calendar_rules import (
    WEEKDAYS,
    AdjustedDays,
    CalendarRules,
    DayRange,
    WeeklyHours,
)

FOREVER = datetime(2100, 1, 1, tzinfo=UTC)  # UiTdatabank's "no end" (docs/exceptions.md)
# Courses (Lessenreeks) and camps leave calendars when they start, not when they end.
UNTIL_START_TYPES = frozenset({"0.3.1.0.0", "0.57.0.0.0"})
STATUS: dict[str, Status] = {
    "Available": "available",
    "TemporarilyUnavailable": "temporarily_unavailable",
    "Unavailable": "unavailable",
}
_AGE_RANGE = re.compile(r"^\s*(\d{0,3})\s*-\s*(\d{0,3})\s*$")
OLDEST_AGE = 120  # a birthdateRange `from` older than this is no upper age bound


class NoUsableDate(ValueError):
    """An event that is not permanent but has no date that can be read."""


def status(value: Any) -> Status | None:
    kind = value.get("type") if isinstance(value, Mapping) else value
    return STATUS.get(kind) if isinstance(kind, str) else None


def occurrences(document: Mapping[str, Any]) -> tuple[Occurrence, ...]:
    calendar_type = document.get("calendarType")
    if calendar_type == "permanent":
        return ()
    found = _dated(jsonld.items(document.get("subEvent"))) or _dated([document])
    if not found:
        raise NoUsableDate(
            f"no usable date: calendarType {jsonld.shown(calendar_type)} without a readable "
            "subEvent[].startDate or startDate"
        )
    return tuple(sorted(found, key=lambda o: (o.start, o.end or o.start, o.status or "")))


def _dated(items: list[Mapping[str, Any]]) -> set[Occurrence]:
    found = set()
    for item in items:
        start = jsonld.moment(item.get("startDate"))
        if start is None:
            continue
        end = jsonld.moment(item.get("endDate"))
        found.add(
            Occurrence(
                start=start,
                end=end if end is not None and end >= start else None,
                status=status(item.get("status")),
            )
        )
    return found


def rules(document: Mapping[str, Any]) -> CalendarRules | None:
    """The compact calendar of a periodic or permanent event; None for single and multiple
    (their subEvents are the sessions). Entries that cannot be read are left out (legacy
    documents carry invalid `openingHours`, uitdatabank.md §14)."""
    kind = document.get("calendarType")
    if kind not in ("periodic", "permanent"):
        return None
    period = None
    if kind == "periodic":
        start, end = (
            jsonld.moment(document.get("startDate")),
            jsonld.moment(document.get("endDate")),
        )
        if start is None:
            return None  # no period: `occurrences` refuses it, or it has subEvents only
        first = start.astimezone(BRUSSELS).date()
        last = end.astimezone(BRUSSELS).date() if end is not None else first
        period = DayRange(first, max(first, last))
    adjusted = []
    for item in jsonld.items(document.get("openingHoursAdjustedDays")):
        days = _day_range(item)
        if days is not None:
            adjusted.append(AdjustedDays(days, _weekly(item.get("openingHours"))))
    closed = (_day_range(item) for item in jsonld.items(document.get("openingHoursClosedDays")))
    return CalendarRules(
        kind=kind,
        period=period,
        hours=_weekly(document.get("openingHours")),
        closed=tuple(c for c in closed if c is not None),
        adjusted=tuple(adjusted),
    )


def _weekly(value: Any) -> tuple[WeeklyHours, ...]:
    found = []
    for item in jsonld.items(value):
        days = item.get("dayOfWeek")
        names = [days] if isinstance(days, str) else days if isinstance(days, list) else []
        weekdays = sorted(
            {
                WEEKDAYS.index(d.lower())
                for d in names
                if isinstance(d, str) and d.lower() in WEEKDAYS
            }
        )
        opens, closes = _clock(item.get("opens")), _clock(item.get("closes"))
        if weekdays and opens is not None and closes is not None:
            found.append(WeeklyHours(tuple(weekdays), opens, closes))
    return tuple(found)


def _clock(value: Any) -> time | None:
    """ "HH:MM" (or "HH:MM:SS") as a time; anything else None."""
    if not isinstance(value, str):
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        return None


def _day_range(item: Mapping[str, Any]) -> DayRange | None:
    first, last = _day(item.get("startDate")), _day(item.get("endDate"))
    if first is None:
        return None
    last = last or first
    return DayRange(first, last) if first <= last else None


def availability(
    document: Mapping[str, Any], dates: tuple[Occurrence, ...], type_ids: tuple[str, ...]
) -> tuple[datetime | None, datetime]:
    """(availableFrom, availableTo): as given, else derived the way UiTdatabank does."""
    available_from = jsonld.moment(document.get("availableFrom"))
    given = jsonld.moment(document.get("availableTo"))
    if given is not None:
        return available_from, given
    if not dates:
        return available_from, FOREVER
    if UNTIL_START_TYPES.intersection(type_ids):
        until = dates[0].start
    else:
        until = max(o.end or o.start for o in dates)
    local = until.astimezone(BRUSSELS)
    if local.time() == time(0, 0):  # a date without a time means the whole day
        until = local.replace(hour=23, minute=59, second=59).astimezone(UTC)
    return available_from, until


def age_range(value: Any) -> tuple[int | None, int | None]:
    """typicalAgeRange "min-max": an empty min is 0, an empty max is open ended, "-" is all
    ages; anything else (like "4/10", or min over max) is unknown: (None, None)."""
    if not isinstance(value, str):
        return None, None
    match = _AGE_RANGE.match(value)
    if match is None:
        return None, None
    low = int(match.group(1)) if match.group(1) else 0
    high = int(match.group(2)) if match.group(2) else None
    if high is not None and high < low:
        return None, None
    return low, high


Ages = tuple[int | None, int | None]


def ages(document: Mapping[str, Any], dates: tuple[Occurrence, ...]) -> Ages:
    """The activity's age range: from `birthdateRange` when it has a readable bound,
    else from `typicalAgeRange`. UiTdatabank writes `typicalAgeRange: "-"` next to a
    birthdateRange (its schema says the two never go together), so the birthdates win."""
    bounds = _birthdates(document.get("birthdateRange"))
    if bounds is None:
        return age_range(document.get("typicalAgeRange"))
    return birthdate_ages(*bounds, dates)


def birthdate_ages(
    born_from: date | None, born_to: date | None, dates: tuple[Occurrence, ...]
) -> Ages:
    """Ages (completed years, Brussels dates) of those born between `born_from` and
    `born_to` at the activity's occurrences: the youngest (born `born_to`) on the first
    day, the oldest (born `born_from`) on the last day (the last occurrence's end, else
    its start). A missing `to` is a minimum of 0, a missing `from` (or one more than
    OLDEST_AGE years back) is no maximum, like "-12" and "6-" in typicalAgeRange.
    Unknown (None, None) without any date (permanent), or when nobody in the range is
    born yet by the last day."""
    if not dates:
        return None, None
    first = min(o.start for o in dates).astimezone(BRUSSELS).date()
    last = max(o.end or o.start for o in dates).astimezone(BRUSSELS).date()
    oldest = None if born_from is None else _age(born_from, last)
    if oldest is not None and oldest < 0:
        return None, None
    youngest = 0 if born_to is None else max(0, _age(born_to, first))
    if oldest is not None and oldest > OLDEST_AGE:
        oldest = None
    return youngest, oldest


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _birthdates(value: Any) -> tuple[date | None, date | None] | None:
    """(from, to) of a birthdateRange; None when it is absent, has no readable bound, or
    runs backwards (then typicalAgeRange is used, as if it were absent)."""
    if not isinstance(value, Mapping):
        return None
    born_from, born_to = _day(value.get("from")), _day(value.get("to"))
    if born_from is None and born_to is None:
        return None
    if born_from is not None and born_to is not None and born_from > born_to:
        return None
    return born_from, born_to


def _day(value: Any) -> date | None:
    """A date ("2010-01-01"), or the Brussels date of a date-time."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        moment = jsonld.moment(value)
        return None if moment is None else moment.astimezone(BRUSSELS).date()
