"""Periodic and permanent calendars: the compact form the reader keeps, and the sessions
`stemkit.domain.calendar_rules` derives from it, on the real UiTdatabank documents of
../shared/uitdatabank (issue 15, item 1)."""

from __future__ import annotations

import copy
import json
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from activities.adapters.snapshots import from_snapshot, to_snapshot
from activities.domain import calendar, limits
from activities.domain.reader import UnreadableDocument, read_event
from stemkit.contracts.activities import MAX_CALENDAR_RULES, ActivityUpdated
from stemkit.domain.calendar_rules import MAX_SESSIONS, DayRange, sessions

SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "uitdatabank"
if not SHARED.is_dir():
    pytest.skip(
        f"../shared/uitdatabank is not beside the checkout ({SHARED})", allow_module_level=True
    )


def real(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SHARED / name).read_text(encoding="utf-8"))
    return loaded


PERIODIC = "events/udb3-search-service__original-periodic.json"
PERMANENT = "events/udb3-search-service__original-permanent.json"
CLOSED_DAYS = "places/udb3-search-service__original-with-period-and-closed-days.json"
WITH_HOURS = "places/udb3-search-service__original-with-opening-hours.json"


def as_event(place: dict[str, Any]) -> dict[str, Any]:
    """A place document's calendar on the real periodic event (places and events share the
    calendar shapes, and the real events carry no openingHours)."""
    event = real(PERIODIC)
    for key in ("calendarType", "startDate", "endDate", "openingHours", "openingHoursClosedDays"):
        event.pop(key, None)
        if key in place:
            event[key] = copy.deepcopy(place[key])
    return event


def test_a_periodic_event_without_opening_hours_is_held_every_day_of_its_period() -> None:
    rules = calendar.rules(real(PERIODIC))  # 2017-04-22 10:00 .. 2017-04-25 23:00
    assert rules is not None and rules.kind == "periodic" and rules.hours == ()
    assert [s.day for s in sessions(rules)] == [date(2017, 4, d) for d in (22, 23, 24, 25)]


def test_weekly_hours_minus_the_closed_day_of_the_real_document() -> None:
    # Mon/Wed/Fri 08:30-09:17 from 2017-04-22 to 2017-05-09; closed 2017-04-26 (Koningsdag).
    rules = calendar.rules(as_event(real(CLOSED_DAYS)))
    assert rules is not None
    held = sessions(rules)
    assert [s.day for s in held] == [
        date(2017, 4, 24),  # Monday
        date(2017, 4, 28),  # Friday; Wednesday 26 is the closed day
        date(2017, 5, 1),
        date(2017, 5, 3),
        date(2017, 5, 5),
        date(2017, 5, 8),
    ]
    assert (held[0].opens, held[0].closes) == (time(8, 30), time(9, 17))
    assert held[0].start().isoformat() == "2017-04-24T08:30:00+02:00"


def test_a_permanent_event_with_hours_is_held_within_the_window_only() -> None:
    rules = calendar.rules(as_event(real(WITH_HOURS)))
    assert rules is not None and rules.kind == "permanent" and rules.period is None
    assert sessions(rules) == ()  # no window: nothing to bound it by
    january = sessions(rules, DayRange(date(2024, 1, 1), date(2024, 1, 31)))
    assert len(january) == 14  # 5 Mondays, 5 Wednesdays, 4 Fridays
    assert {s.day.weekday() for s in january} == {0, 2, 4}


def test_a_permanent_event_without_hours_has_no_session() -> None:
    rules = calendar.rules(real(PERMANENT))
    assert rules is not None and rules.kind == "permanent" and rules.hours == ()
    assert sessions(rules, DayRange(date(2019, 1, 1), date(2026, 12, 31))) == ()


def test_adjusted_days_replace_the_weekly_hours() -> None:
    # The shape UiTdatabank writes (udb3-backend feature tests): other hours on these days.
    event = as_event(real(CLOSED_DAYS))
    event["openingHoursAdjustedDays"] = [
        {
            "startDate": "2017-05-01",
            "endDate": "2017-05-07",
            "openingHours": [{"dayOfWeek": ["tuesday"], "opens": "13:00", "closes": "15:00"}],
        }
    ]
    rules = calendar.rules(event)
    assert rules is not None
    days = [s.day for s in sessions(rules)]
    assert date(2017, 5, 2) in days  # the adjusted Tuesday
    assert date(2017, 5, 1) not in days and date(2017, 5, 3) not in days
    assert date(2017, 5, 8) in days  # back to the weekly hours


def test_invalid_opening_hours_are_left_out() -> None:
    event = as_event(real(CLOSED_DAYS))
    event["openingHours"].append({"dayOfWeek": ["someday"], "opens": "8u", "closes": None})
    rules = calendar.rules(event)
    assert rules is not None and len(rules.hours) == 1


def test_a_weekly_course_keeps_its_compact_form_through_the_snapshot() -> None:
    # Every Wednesday from September 2022 to June 2023: one range in `occurrences`,
    # the rules in `calendar`, 43 sessions across New Year; far below the limit.
    event = as_event(real(CLOSED_DAYS))
    event["startDate"], event["endDate"] = "2022-09-01T00:00:00+02:00", "2023-06-30T23:59:00+02:00"
    event["openingHours"] = [{"dayOfWeek": ["wednesday"], "opens": "14:00", "closes": "16:00"}]
    event["openingHoursClosedDays"] = [{"startDate": "2022-12-28", "endDate": "2022-12-28"}]
    activity = read_event(event)
    assert len(activity.occurrences) == 1
    assert activity.calendar is not None
    payload = ActivityUpdated.model_validate(to_snapshot(activity).model_dump(mode="json"))
    assert payload.calendar is not None
    held = sessions(payload.calendar.rules())
    assert len(held) == 42  # 43 Wednesdays, one closed
    assert {s.day.year for s in held} == {2022, 2023}
    assert from_snapshot(payload.model_dump(mode="json")) == activity


def test_single_and_multiple_events_have_no_compact_calendar() -> None:
    assert calendar.rules(real("events/udb3-search-service__original.json")) is None
    assert (
        calendar.rules(real("events/udb3-search-service__original-with-multiple-dates.json"))
        is None
    )


def test_the_expansion_never_exceeds_the_limit_of_one_activity_and_keeps_the_latest() -> None:
    assert MAX_SESSIONS == limits.MAX_OCCURRENCES
    event = as_event(real(CLOSED_DAYS))
    event["startDate"], event["endDate"] = "2015-01-01T00:00:00+01:00", "2026-12-31T23:00:00+01:00"
    event["openingHours"] = [{"dayOfWeek": list(_WEEK), "opens": "09:00", "closes": "17:00"}]
    rules = calendar.rules(event)
    assert rules is not None
    held = sessions(rules)
    assert len(held) == MAX_SESSIONS
    assert held[-1].day == date(2026, 12, 31)


_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def test_too_many_rules_are_quarantined_with_the_reason() -> None:
    event = as_event(real(CLOSED_DAYS))
    event["openingHoursClosedDays"] = [{"startDate": "2017-04-26", "endDate": "2017-04-26"}] * (
        MAX_CALENDAR_RULES + 1
    )
    with pytest.raises(UnreadableDocument, match="calendar entries"):
        read_event(event)


def test_the_largest_compact_calendar_stays_small_in_the_event() -> None:
    # 200 entries of 7 weekdays each: what the limit lets through weighs under 30 KB,
    # beside the 375,611 bytes of the largest activity otherwise (README "Limits").
    event = as_event(real(CLOSED_DAYS))
    event["openingHours"] = [
        {"dayOfWeek": list(_WEEK), "opens": "09:00", "closes": f"{10 + n % 12}:00"}
        for n in range(MAX_CALENDAR_RULES)
    ]
    event["openingHoursClosedDays"] = []
    payload = to_snapshot(read_event(event)).model_dump_json()
    calendar_part = json.dumps(json.loads(payload)["calendar"])
    assert 20_000 < len(calendar_part.encode()) < 30_000
