"""The reach rule on its own: which keys an activity proves, and which reach flipped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from subsidy.domain.reach import (
    ActivityFacts,
    ReachChange,
    ReachKey,
    changes,
    evidence,
    occurrence_years,
)

FACTS = ActivityFacts(
    activity_id="act-1",
    academy_id="acad-1",
    nis_code="44021",
    public=True,
    status="available",
    years=frozenset({2022, 2023}),
)


def test_one_key_per_occurrence_year() -> None:
    assert evidence(FACTS) == {ReachKey("acad-1", 2022, "44021"), ReachKey("acad-1", 2023, "44021")}


@pytest.mark.parametrize(
    "facts",
    [
        replace(FACTS, academy_id=None),
        replace(FACTS, nis_code=None),
        replace(FACTS, public=False),
        replace(FACTS, status="unavailable"),
        replace(FACTS, years=frozenset()),
    ],
    ids=["no academy", "no municipality", "not public", "cancelled", "no dates"],
)
def test_no_evidence_when_a_condition_fails(facts: ActivityFacts) -> None:
    assert evidence(facts) == frozenset()


def test_postponed_activity_still_counts() -> None:
    assert evidence(replace(FACTS, status="temporarily_unavailable")) == evidence(FACTS)


def test_year_is_taken_in_brussels_time_whatever_the_offset() -> None:
    new_year_utc = datetime(2022, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Gent
    new_years_eve = datetime(2022, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=1)))
    last_minute_utc = datetime(2023, 12, 31, 22, 59, tzinfo=UTC)  # 23:59 in Gent
    local = datetime(2024, 1, 1, 0, 15)  # no zone: Brussels time already
    assert occurrence_years([new_year_utc]) == {2023}
    assert occurrence_years([new_years_eve]) == {2022}
    assert occurrence_years([last_minute_utc]) == {2023}
    assert occurrence_years([local]) == {2024}


def test_changes_reports_only_flips_in_key_order() -> None:
    a, b, c = (
        ReachKey("a", 2022, "11001"),
        ReachKey("a", 2023, "11001"),
        ReachKey("b", 2022, "11001"),
    )
    before = {a: True, b: False, c: True}
    after = {a: True, b: True, c: False}
    assert changes(before, after) == [ReachChange(b, True), ReachChange(c, False)]


def test_missing_key_means_not_reached() -> None:
    key = ReachKey("a", 2022, "11001")
    assert changes({}, {key: True}) == [ReachChange(key, True)]
    assert changes({key: True}, {}) == [ReachChange(key, False)]
    assert changes({}, {key: False}) == []
