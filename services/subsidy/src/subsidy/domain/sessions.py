"""The sessions of a periodic or permanent activity, as the reach rule counts them.

The compact calendar of the activity event (`stemkit.domain.calendar_rules`, the same rule the
activities service keeps) is expanded into one `OccurrenceFacts` per day a session is
held, so reach per year comes from the sessions held in that year: a weekly course from
September 2022 to June 2023 reaches both years (issue 15, item 1). Rules (README "Reach"):

- periodic: the sessions within its period (its opening hours, minus closed days);
- permanent with opening hours: the sessions from 1 January of the first reported year
  (`FIRST_REPORTED_YEAR`, the first reach formula) or its `availableFrom`, if later, to
  31 December of `through_year` (the service: the current year; a new year's sessions
  count once the activity is recorded again or the state rebuilt);
- permanent without opening hours: no session, so no reach (listed, not counted): the
  document states no day anything is held, and counting every day of every year would
  let one document prove reach for ever;
- at most `stemkit.domain.calendar_rules.MAX_SESSIONS`, the latest kept.

A dated occurrence (UiT `single`/`multiple` subEvent) that runs over several days, a camp
from Monday to Friday, is a session on each of its days (`subevent_days`): five dagdelen,
so a traject, and a camp across New Year is held in both years. An end before 06:00 is the
night of the day before (an evening event until 02:00 is one session).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from stemkit.domain.calendar_rules import MAX_SESSIONS, CalendarRules, DayRange, sessions
from subsidy.domain.reach import BRUSSELS, OccurrenceFacts, brussels_day

FIRST_REPORTED_YEAR = 2019  # reach.FORMULAS starts in 2019
NIGHT_ENDS = time(6)  # an end before this belongs to the night of the day before
_DAY = timedelta(days=1)


def _last_day(start: date, end: datetime | None) -> date:
    if end is None:
        return start
    local = end.astimezone(BRUSSELS) if end.tzinfo is not None else end
    last = local.date() - _DAY if local.time() < NIGHT_ENDS else local.date()
    return max(start, last)


def subevent_days(
    subevents: Iterable[tuple[datetime, datetime | None, str | None, str | None]],
) -> tuple[OccurrenceFacts, ...]:
    """One occurrence per day of each dated occurrence (start, end, status, NIS code): a
    multi-day camp is a session on each of its days. At most `MAX_SESSIONS`, the latest."""
    out: list[OccurrenceFacts] = []
    for start, end, status, nis_code in subevents:
        day = brussels_day(start)
        last = _last_day(day, end)
        if (last - day).days >= MAX_SESSIONS:  # bounded: the latest days only
            day = last - (MAX_SESSIONS - 1) * _DAY
        while day <= last:
            out.append(OccurrenceFacts(day, status, nis_code))
            day += _DAY
    return tuple(out[-MAX_SESSIONS:])


def session_occurrences(
    rules: CalendarRules,
    *,
    through_year: int,
    available_from: date | None = None,
    nis_code: str | None = None,
) -> tuple[OccurrenceFacts, ...]:
    """One occurrence per day a session of `rules` is held (its status is the activity's)."""
    window = None
    if rules.kind == "permanent":
        first = date(FIRST_REPORTED_YEAR, 1, 1)
        if available_from is not None and available_from > first:
            first = available_from
        window = DayRange(first, date(through_year, 12, 31))
    days = dict.fromkeys(s.day for s in sessions(rules, window))
    return tuple(OccurrenceFacts(day, None, nis_code) for day in days)
