"""The iCalendar (RFC 5545) feed of activities.

One VEVENT per session with a stable UID, so calendar apps update rather than duplicate; a
periodic course with weekly hours is one VEVENT per weekly slot with an RRULE (its closed
days as EXDATE) in Europe/Brussels time (with its VTIMEZONE), or, when some days have other
hours, one VEVENT per session expanded by `stemkit.domain.calendar_rules`. Each carries URL,
DESCRIPTION, LOCATION and GEO when known. DTSTAMP is the activity's own `modified`, so the
same data gives the same bytes, and so the same ETag.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, vRecur

from gateway.adapters.activities import ActivityRead
from gateway.adapters.registry import AcademyRead
from gateway.domain.feeds import BRUSSELS, EPOCH, Texts, place_line
from stemkit.domain import calendar_rules

PRODID = "-//VLAIO//STEM-kalender//NL"
_ICAL_STATUS = {"available": "CONFIRMED", "temporarily_unavailable": "TENTATIVE"}
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def to_ical(
    activities: Sequence[ActivityRead],
    academies: Mapping[str, AcademyRead],
    language: str = "nl",
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "STEM-kalender")
    calendar.add("x-wr-timezone", "Europe/Brussels")
    for activity in activities:
        for event in _vevents(activity, academies, language):
            calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE of Europe/Brussels for RRULE events
    body: bytes = calendar.to_ical()
    return body


def _vevents(
    activity: ActivityRead, academies: Mapping[str, AcademyRead], language: str
) -> Iterator[Event]:
    rules = activity.calendar.rules() if activity.calendar is not None else None
    if rules is not None and rules.kind == "periodic" and rules.period is not None:
        if rules.hours and not rules.adjusted:
            for index, hours in enumerate(rules.hours):
                yield _weekly(activity, academies, language, index, rules, hours)
            return
        if rules.hours or rules.adjusted:  # some days with other hours: every session
            for index, session in enumerate(calendar_rules.sessions(rules)):
                start, end = session.start(), session.end()
                yield _vevent(activity, academies, language, f"s{index}", start, end)
            return
    for index, occurrence in enumerate(activity.occurrences):
        start, end = occurrence.start.astimezone(UTC), occurrence.end
        yield _vevent(activity, academies, language, str(index), start, end and end.astimezone(UTC))


def _vevent(
    activity: ActivityRead,
    academies: Mapping[str, AcademyRead],
    language: str,
    key: str,
    start: datetime,
    end: datetime | None,
) -> Event:
    event = Event()
    event.add("uid", f"{activity.activity_id}-{key}@stem-kalender")
    event.add("dtstamp", (activity.modified or EPOCH).astimezone(UTC))
    event.add("dtstart", start)
    if end is not None:
        event.add("dtend", end)
    _describe(event, activity, academies, language)
    return event


def _weekly(
    activity: ActivityRead,
    academies: Mapping[str, AcademyRead],
    language: str,
    index: int,
    rules: calendar_rules.CalendarRules,
    hours: calendar_rules.WeeklyHours,
) -> Event:
    """One weekly slot of a periodic course: its first session, repeated until the last
    day of the period, in Brussels wall-clock time (so across summer time too)."""
    assert rules.period is not None
    first = rules.period.first
    day = next(
        (
            first + timedelta(n)
            for n in range(7)
            if (first + timedelta(n)).weekday() in hours.weekdays
        ),
        first,
    )
    start = datetime.combine(day, hours.opens, BRUSSELS)
    end = datetime.combine(day, hours.closes, BRUSSELS)
    event = Event()
    event.add("uid", f"{activity.activity_id}-w{index}@stem-kalender")
    event.add("dtstamp", (activity.modified or EPOCH).astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end if end > start else end + timedelta(days=1))
    until = datetime.combine(rules.period.last, hours.closes, BRUSSELS).astimezone(UTC)
    event.add(
        "rrule",
        vRecur(freq="WEEKLY", byday=[_ICAL_DAYS[d] for d in hours.weekdays], until=until),
    )
    closed = [
        datetime.combine(d, hours.opens, BRUSSELS)
        for c in rules.closed
        for d in _days(c.first, c.last)
        if d.weekday() in hours.weekdays and rules.period.holds(d)
    ]
    if closed:
        event.add("exdate", closed)
    _describe(event, activity, academies, language)
    return event


def _days(first: date, last: date) -> Iterator[date]:
    for n in range(min((last - first).days, 3_660) + 1):
        yield first + timedelta(n)


def _describe(
    event: Event, activity: ActivityRead, academies: Mapping[str, AcademyRead], language: str
) -> None:
    texts = Texts.of(activity, language)
    event.add("summary", activity.name)
    event.add("status", _ICAL_STATUS.get(activity.status, "CANCELLED"))
    if place := place_line(activity):
        event.add("location", place)
    where = activity.location
    if where.latitude is not None and where.longitude is not None:
        event.add("geo", (where.latitude, where.longitude))
    if texts.url:
        event.add("url", texts.url)
    academy = academies.get(activity.academy_id or "")
    lines = [texts.description or "", f"Door {academy.name}" if academy else "", texts.url or ""]
    if description := "\n\n".join(line for line in lines if line):
        event.add("description", description)
    if activity.theme_ids:
        event.add("categories", activity.theme_ids)
