"""The reach rule on its own: which proofs an activity gives, and which reach flipped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from subsidy.domain.reach import (
    ActivityFacts,
    OccurrenceFacts,
    Proof,
    ReachChange,
    ReachKey,
    changes,
    evidence,
    in_flanders,
    occurrence_years,
    qualifying_rule,
)
from subsidy.domain.recognition import Decision, RecognitionHistory

FACTS = ActivityFacts(
    activity_id="act-1",
    academy_id="acad-1",
    nis_code="44021",
    postal_code="9000",
    public=True,
    status="available",
    occurrences=(OccurrenceFacts(date(2022, 5, 1)), OccurrenceFacts(date(2023, 5, 1))),
)
# Recognised throughout: the conditions other than recognition are what these tests vary.
RECOGNISED = RecognitionHistory.of(
    [Decision("d0", "recognised", date(2019, 1, 1), date(2019, 1, 1), None)]
)


def test_one_proof_per_occurrence_year_and_postal_code() -> None:
    assert evidence(FACTS, RECOGNISED) == {
        Proof("acad-1", 2022, "44021", "9000", "act-1"),
        Proof("acad-1", 2023, "44021", "9000", "act-1"),
    }
    assert {p.key for p in evidence(FACTS, RECOGNISED)} == {
        ReachKey("acad-1", 2022, "44021"),
        ReachKey("acad-1", 2023, "44021"),
    }


@pytest.mark.parametrize(
    "facts",
    [
        replace(FACTS, academy_id=None),
        replace(FACTS, nis_code=None),
        replace(FACTS, public=False),
        replace(FACTS, status="unavailable"),
        replace(FACTS, withdrawn=True),
        replace(FACTS, nis_code="21004"),  # Brussels
        replace(FACTS, nis_code="62063"),  # Liège
        replace(FACTS, occurrences=()),
    ],
    ids=[
        "no academy",
        "no municipality",
        "not public",
        "cancelled",
        "withdrawn",
        "Brussels",
        "Wallonia",
        "no dates",
    ],
)
def test_no_evidence_when_a_condition_fails(facts: ActivityFacts) -> None:
    assert evidence(facts, RECOGNISED) == frozenset()


def test_postponed_activity_still_counts() -> None:
    assert evidence(replace(FACTS, status="temporarily_unavailable"), RECOGNISED) == evidence(
        FACTS, RECOGNISED
    )


def test_a_cancelled_occurrence_does_not_count_the_others_do() -> None:
    facts = replace(
        FACTS,
        occurrences=(
            OccurrenceFacts(date(2022, 5, 1), status="unavailable"),
            OccurrenceFacts(date(2023, 5, 1)),
        ),
    )
    assert {p.year for p in evidence(facts, RECOGNISED)} == {2023}


def test_an_occurrence_may_have_its_own_municipality_of_that_date() -> None:
    facts = replace(FACTS, occurrences=(OccurrenceFacts(date(2024, 5, 1), nis_code="44084"),))
    assert {p.nis_code for p in evidence(facts, RECOGNISED)} == {"44084"}


def test_recognition_is_checked_on_each_occurrence_date() -> None:
    lapsing = RecognitionHistory.of(
        [Decision("d1", "recognised", date(2021, 1, 1), date(2021, 1, 1), date(2022, 12, 31))]
    )
    assert {p.year for p in evidence(FACTS, lapsing)} == {2022}
    suspended = RecognitionHistory.of(
        [
            Decision("d1", "recognised", date(2021, 1, 1), date(2021, 1, 1), None),
            Decision("d2", "suspended", date(2023, 1, 2), date(2023, 1, 2), None),
        ]
    )
    assert {p.year for p in evidence(FACTS, suspended)} == {2022}


def test_without_any_decision_the_dated_rule_decides() -> None:
    assert evidence(FACTS, RecognitionHistory(), lambda _year: False) == frozenset()
    assert evidence(FACTS, RecognitionHistory()) == frozenset()  # fails closed by default
    assert len(evidence(FACTS, RecognitionHistory(), lambda _year: True)) == 2


def test_the_rule_of_the_year_is_chosen_by_date() -> None:
    assert qualifying_rule(2018) is None
    assert qualifying_rule(2019) is qualifying_rule(2025)
    assert in_flanders("24062") and in_flanders("71072") and not in_flanders("25005")


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
