"""The one dated-validity rule (`stemkit.domain.validity.valid_on`): valid from `valid_from` up to
and including `valid_to`; no `valid_to` is still valid. Municipalities, postal codes and
boundaries of every service are dated by it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from stemkit.domain.places import Area
from stemkit.domain.validity import valid_during, valid_on

FROM, TO = date(2019, 1, 1), date(2024, 12, 31)


@pytest.mark.parametrize(
    ("day", "valid"),
    [
        (date(2018, 12, 31), False),  # the day before it starts
        (FROM, True),  # the first day counts
        (date(2022, 6, 15), True),
        (TO, True),  # the last day counts: valid_to is inclusive
        (date(2025, 1, 1), False),  # the day after it ends
    ],
)
def test_valid_from_its_first_day_up_to_and_including_its_last(day: date, valid: bool) -> None:
    assert valid_on(FROM, TO, day) is valid
    assert Area("23023", "Galmaarden", FROM, TO).valid_on(day) is valid


@pytest.mark.parametrize(
    ("day", "valid"),
    [(date(2024, 12, 31), False), (date(2025, 1, 1), True), (date(2100, 1, 1), True)],
)
def test_without_a_last_day_valid_from_its_first_day_on(day: date, valid: bool) -> None:
    assert valid_on(date(2025, 1, 1), None, day) is valid


def test_a_single_day() -> None:
    day = date(2025, 1, 1)
    assert valid_on(day, day, day)
    assert not valid_on(day, day, date(2025, 1, 2))
    assert not valid_on(day, day, date(2024, 12, 31))


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "counts"),
    [
        (date(2019, 1, 1), date(2024, 12, 31), True),
        (date(2019, 1, 1), date(2024, 1, 1), True),  # ceased on the first day of 2024
        (date(2024, 12, 31), None, True),  # started on the last day of 2024
        (date(2019, 1, 1), date(2023, 12, 31), False),  # ended the day before 2024
        (date(2025, 1, 1), None, False),  # starts the day after 2024
    ],
)
def test_valid_during_a_period_when_valid_on_one_of_its_days(
    valid_from: date, valid_to: date | None, counts: bool
) -> None:
    first, last = date(2024, 1, 1), date(2024, 12, 31)
    assert valid_during(valid_from, valid_to, first, last) is counts
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert any(valid_on(valid_from, valid_to, day) for day in days) is counts
