"""A one-line summary of when an activity takes place, in nl, fr, de or en (issue 18).

Made from the activity's dates and compact calendar, in Brussels time, as a partner shows
it next to the name: "za 22 apr 2025, 10:00-18:00", "5 data, van 1 okt tot 5 nov 2025",
"van 3 sep 2025 tot 24 jun 2026, wo 14:00-16:00". UiTdatabank's own `calendarSummary`
appears only with `embedCalendarSummaries`, so the gateway does not rely on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from stemkit.contracts.activities import Calendar

BRUSSELS = ZoneInfo("Europe/Brussels")

_DAYS = {
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "fr": ("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS = {
    "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec",
    "fr": "janv févr mars avr mai juin juil août sept oct nov déc",
    "de": "Jan Feb Mär Apr Mai Jun Jul Aug Sep Okt Nov Dez",
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
}
# (from ... to ..., "n dates", always)
_WORDS = {
    "nl": ("van {} tot {}", "{} data", "altijd"),
    "fr": ("du {} au {}", "{} dates", "toujours"),
    "de": ("vom {} bis {}", "{} Termine", "immer"),
    "en": ("from {} to {}", "{} dates", "always"),
}


class Moment(Protocol):
    """Something with a start and an optional end (the gateway's occurrence reads)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime | None: ...


def summary(occurrences: Sequence[Moment], calendar: Calendar | None, language: str) -> str | None:
    """The summary in `language` (nl when it is not one of the four); None without dates."""
    language = language if language in _WORDS else "nl"
    span, count, always = _WORDS[language]
    if calendar is not None:
        hours = ", ".join(
            _hours(h.day_of_week, h.opens, h.closes, language) for h in calendar.opening_hours
        )
        if calendar.type == "permanent" or calendar.period is None:
            return hours or always
        period = span.format(
            _day(calendar.period.first, language, weekday=False),
            _day(calendar.period.last, language, weekday=False),
        )
        return f"{period}, {hours}" if hours else period
    if not occurrences:
        return None
    first, last = occurrences[0], occurrences[-1]
    start = first.start.astimezone(BRUSSELS)
    if len(occurrences) == 1:
        end = first.end.astimezone(BRUSSELS) if first.end else None
        if end is None:
            return f"{_day(start.date(), language)}, {start:%H:%M}"
        if end.date() == start.date():
            return f"{_day(start.date(), language)}, {start:%H:%M}-{end:%H:%M}"
        return span.format(
            f"{_day(start.date(), language)} {start:%H:%M}",
            f"{_day(end.date(), language)} {end:%H:%M}",
        )
    final = (last.end or last.start).astimezone(BRUSSELS)
    dates = count.format(len(occurrences))
    between = span.format(
        _day(start.date(), language, weekday=False), _day(final.date(), language, weekday=False)
    )
    return f"{dates}, {between}"


def _day(day: date, language: str, weekday: bool = True) -> str:
    month = _MONTHS[language].split()[day.month - 1]
    text = f"{day.day} {month} {day.year}"
    return f"{_DAYS[language][day.weekday()]} {text}" if weekday else text


def _hours(days: Sequence[str], opens: time, closes: time, language: str) -> str:
    names = [_DAYS[language][_WEEKDAYS.index(d)] for d in days if d in _WEEKDAYS]
    return f"{'/'.join(names)} {opens:%H:%M}-{closes:%H:%M}"


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
