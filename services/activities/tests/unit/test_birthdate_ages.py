"""`birthdateRange {from, to}` instead of `typicalAgeRange` (uitdatabank.md §1): the age
range is the ages of those born in the range at the activity's occurrences."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activities.domain.calendar import birthdate_ages
from activities.domain.model import BRUSSELS, Occurrence
from activities.domain.reader import read_event

LoadEvent = Callable[[str], dict[str, Any]]


def single(document: dict[str, Any], start: str, end: str | None = None) -> dict[str, Any]:
    """The document as a single-date event on these dates (no subEvent)."""
    changed = {k: v for k, v in document.items() if k != "subEvent"}
    return changed | {"calendarType": "single", "startDate": start, "endDate": end or start}


def test_the_real_document_born_in_2010_at_an_event_in_april_2017(load_event: LoadEvent) -> None:
    document = load_event("original-with-birthdate-range")
    assert document["typicalAgeRange"] == "-"  # UiTdatabank writes both, against its schema
    assert document["birthdateRange"] == {"from": "2010-01-01", "to": "2010-12-31"}

    activity = read_event(document)

    # Born 31 December 2010: 6 on 22 April 2017; born 1 January 2010: 7.
    assert (activity.age_min, activity.age_max) == (6, 7)


@pytest.mark.parametrize(
    ("birthdates", "typical", "expected"),
    [
        ({"from": "2010-04-22", "to": "2010-04-22"}, "-", (7, 7)),  # birthday on the day
        ({"from": "2010-04-23", "to": "2010-04-23"}, "-", (6, 6)),  # the day after
        ({"from": "2010-01-01"}, "-", (0, 7)),  # no `to`: no minimum
        ({"to": "2010-12-31"}, "-", (6, None)),  # no `from`: no maximum
        ({"from": "1850-01-01", "to": "2000-01-01"}, "-", (17, None)),  # over 120: open
        ({"from": "2009-12-31T23:30:00+00:00", "to": "2010-12-31"}, "-", (6, 7)),  # Brussels
        ({"from": "2011-01-01", "to": "2010-01-01"}, "6-12", (6, 12)),  # backwards: ignored
        ({"from": "someday", "to": None}, "6-12", (6, 12)),  # no readable bound: ignored
        ("2010-01-01/2010-12-31", "-", (0, None)),  # not an object: ignored
        ({"from": "2018-01-01", "to": "2018-12-31"}, "-", (None, None)),  # not born yet
        ({"from": "2017-01-01", "to": "2018-12-31"}, "-", (0, 0)),  # some born by then
    ],
)
def test_birthdate_range_shapes(
    load_event: LoadEvent, birthdates: Any, typical: str, expected: tuple[int | None, ...]
) -> None:
    document = single(load_event("original"), "2017-04-22T10:00:00+02:00")
    document |= {"birthdateRange": birthdates, "typicalAgeRange": typical}

    activity = read_event(document)

    assert (activity.age_min, activity.age_max) == expected


def test_occurrences_across_birthdays_widen_the_range(load_event: LoadEvent) -> None:
    """The youngest on the first day, the oldest on the last occurrence's end."""
    document = load_event("original") | {
        "calendarType": "multiple",
        "birthdateRange": {"from": "2010-03-01", "to": "2010-06-30"},
        "subEvent": [
            {"startDate": "2019-02-01T10:00:00+01:00", "endDate": "2019-02-01T12:00:00+01:00"},
            {"startDate": "2019-07-01T10:00:00+02:00", "endDate": "2019-07-01T12:00:00+02:00"},
        ],
    }

    activity = read_event(document)

    # Born 30 June 2010: 8 on 1 February 2019; born 1 March 2010: 9 on 1 July 2019.
    assert (activity.age_min, activity.age_max) == (8, 9)


def test_a_permanent_activity_has_no_day_to_count_ages_on(load_event: LoadEvent) -> None:
    document = load_event("original") | {
        "calendarType": "permanent",
        "birthdateRange": {"from": "2010-01-01", "to": "2010-12-31"},
        "typicalAgeRange": "-",
    }

    activity = read_event(document)

    assert activity.occurrences == ()
    assert (activity.age_min, activity.age_max) == (None, None)


def test_a_leap_day_birthday_counts_on_the_first_of_march() -> None:
    def on(day: date) -> tuple[Occurrence, ...]:
        return (Occurrence(start=datetime(day.year, day.month, day.day, 12, tzinfo=BRUSSELS)),)

    leap = date(2012, 2, 29)
    assert birthdate_ages(leap, leap, on(date(2019, 2, 28))) == (6, 6)
    assert birthdate_ages(leap, leap, on(date(2019, 3, 1))) == (7, 7)


def completed_years(born: date, on: date) -> int:
    """Independent of the code under test: birthdays passed, counted one year at a time
    (29 February counts on 1 March in other years)."""

    def birthday(year: int) -> date:
        try:
            return born.replace(year=year)
        except ValueError:
            return date(year, 3, 1)

    return sum(1 for year in range(born.year + 1, on.year + 1) if birthday(year) <= on)


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))


@given(
    days,
    st.integers(min_value=0, max_value=3000),
    st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31)),
            st.integers(min_value=0, max_value=400),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_ages_are_those_of_the_oldest_and_youngest_on_the_outer_days(
    born_from: date, span: int, occurrences: list[tuple[datetime, int]]
) -> None:
    born_to = born_from + timedelta(days=span)
    dates = tuple(
        Occurrence(
            start=start.replace(tzinfo=UTC), end=start.replace(tzinfo=UTC) + timedelta(days=n)
        )
        for start, n in occurrences
    )
    first = min(o.start for o in dates).astimezone(BRUSSELS).date()
    last = max(o.end or o.start for o in dates).astimezone(BRUSSELS).date()

    low, high = birthdate_ages(born_from, born_to, dates)

    if last < born_from:
        assert (low, high) == (None, None)  # nobody in the range is born yet
        return
    assert low == (completed_years(born_to, first) if born_to <= first else 0)
    assert high == completed_years(born_from, last)
    assert 0 <= low <= high
