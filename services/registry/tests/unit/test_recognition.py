"""The recognition lifecycle: every transition, allowed and refused; terms; queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.domain.errors import InvalidInput
from registry.domain.recognition import (
    STATUSES,
    TRANSITIONS,
    Decision,
    Status,
    TransitionRefused,
    check_role_year,
    decide,
    recognised_in_year,
    recognised_on,
    review_due,
    status_on,
)
from registry.domain.recognition_terms import TERMS, last_day, terms_on

START = date(2021, 1, 1)
# A path through the lifecycle to every status (None: no decision yet).
PATHS: dict[Status | None, tuple[Status, ...]] = {
    None: (),
    "requested": ("requested",),
    "provisionally_recognised": ("requested", "provisionally_recognised"),
    "recognised": ("requested", "provisionally_recognised", "recognised"),
    "renewal_due": ("requested", "provisionally_recognised", "recognised", "renewal_due"),
    "under_review": ("requested", "provisionally_recognised", "recognised", "under_review"),
    "renewed": (
        "requested",
        "provisionally_recognised",
        "recognised",
        "renewal_due",
        "renewed",
    ),
    "suspended": ("requested", "provisionally_recognised", "recognised", "suspended"),
    "withdrawn": ("requested", "withdrawn"),
    "expired": ("requested", "provisionally_recognised", "expired"),
}
EXPECTED_ALLOWED = {
    None: {"requested"},
    "requested": {"provisionally_recognised", "withdrawn"},
    "provisionally_recognised": {"recognised", "under_review", "suspended", "withdrawn", "expired"},
    "recognised": {"renewal_due", "under_review", "suspended", "withdrawn", "expired"},
    "renewal_due": {"under_review", "renewed", "suspended", "withdrawn", "expired"},
    "under_review": {"recognised", "renewed", "suspended", "withdrawn", "expired"},
    "renewed": {"renewal_due", "under_review", "suspended", "withdrawn", "expired"},
    "suspended": {"under_review", "withdrawn", "expired"},
    "withdrawn": {"requested"},
    "expired": {"requested"},
}


def step(history: list[Decision], status: Status, on: date) -> list[Decision]:
    decision = decide(
        history,
        decision_id=f"d{len(history) + 1}",
        academy_id="a",
        status=status,
        decided_on=on,
        valid_from=None,
        reason="because",
        author="VLAIO, J. Peeters",
    )
    return [*history, decision]


def walk(path: tuple[Status, ...]) -> list[Decision]:
    history: list[Decision] = []
    for n, status in enumerate(path):
        history = step(history, status, START + timedelta(days=30 * n))
    return history


def test_the_table_is_the_documented_lifecycle() -> None:
    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED_ALLOWED
    assert set(TRANSITIONS) == {None, *STATUSES}


@pytest.mark.parametrize("current", list(PATHS))
@pytest.mark.parametrize("wanted", STATUSES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    current: Status | None, wanted: Status
) -> None:
    history = walk(PATHS[current])
    assert (history[-1].status if history else None) == current
    later = START + timedelta(days=400)
    if wanted in EXPECTED_ALLOWED[current]:
        after = step(history, wanted, later)
        assert after[-1].status == wanted
        assert after[-1].sequence == len(history) + 1
    else:
        with pytest.raises(TransitionRefused) as refused:
            step(history, wanted, later)
        message = str(refused.value)
        assert repr(wanted) in message
        for allowed in EXPECTED_ALLOWED[current]:
            assert allowed in message
        assert set(refused.value.allowed) == EXPECTED_ALLOWED[current]


def test_terms_give_one_provisional_year_then_three() -> None:
    history = walk(PATHS["provisionally_recognised"])
    provisional = history[-1]
    assert provisional.valid_until == date(2022, 1, 30)  # from 2021-01-31, 1 year
    recognised = step(history, "recognised", date(2022, 1, 31))[-1]
    assert recognised.valid_until == date(2025, 1, 30)
    due = step([*history, recognised], "renewal_due", date(2024, 11, 1))[-1]
    assert due.valid_until == recognised.valid_until  # the review keeps the end date
    assert terms_on(date(2018, 1, 1)) == TERMS[0]
    assert terms_on(date(2030, 1, 1)).recognition_years == 3
    assert "§1.1" in TERMS[0].source
    assert last_day(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert last_day(date(2024, 3, 1), 3) == date(2027, 2, 28)


def test_a_decision_needs_a_reason_an_author_and_no_earlier_start() -> None:
    history = walk(PATHS["requested"])
    with pytest.raises(InvalidInput) as caught:
        decide(
            history,
            decision_id="x",
            academy_id="a",
            status="provisionally_recognised",
            decided_on=START,
            valid_from=START - timedelta(days=1),
            reason="  ",
            author="",
        )
    assert set(caught.value.errors) == {"valid_from", "reason", "author"}


def test_recognised_on_a_date_and_in_a_year() -> None:
    history = walk(PATHS["suspended"])  # provisional 2021-01-31, recognised 03-02, suspended 04-01
    assert not recognised_on(history, date(2021, 1, 30))
    assert recognised_on(history, date(2021, 2, 15))
    assert recognised_on(history, date(2021, 3, 31))
    assert not recognised_on(history, date(2021, 4, 1))
    assert status_on(history, date(2021, 4, 1)) == history[-1]
    assert recognised_in_year(history, 2021)
    assert not recognised_in_year(history, 2022)
    lapsed = walk(PATHS["provisionally_recognised"])  # never confirmed: runs out 2022-01-30
    assert recognised_on(lapsed, date(2022, 1, 30))
    assert not recognised_on(lapsed, date(2022, 1, 31))


def test_a_review_is_due_when_the_recognition_runs_out_before_the_date() -> None:
    recognised = walk(PATHS["recognised"])  # from 2021-03-02 to 2024-03-01
    assert review_due(recognised, date(2024, 3, 1)) is None
    assert review_due(recognised, date(2024, 3, 2)) == recognised[-1]
    assert review_due(walk(PATHS["under_review"]), date(2030, 1, 1)) is None
    assert review_due(walk(PATHS["withdrawn"]), date(2030, 1, 1)) is None
    assert review_due([], date(2030, 1, 1)) is None


@pytest.mark.parametrize("year", [2019, 2021, 2022])
def test_roles_before_2023_are_refused_naming_the_year(year: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_role_year(year)
    assert "from 2023" in refused.value.errors["year"] and str(year) in refused.value.errors["year"]


def test_roles_from_2023_are_accepted() -> None:
    for year in (2023, 2024, 2030):
        check_role_year(year)  # no refusal
