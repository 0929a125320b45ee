"""The traject rule (`domain.trajecten`): sessions held, and one claimant per traject."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from subsidy.domain.reach import ActivityFacts, OccurrenceFacts, Proof
from subsidy.domain.trajecten import claimant, sessions_held, traject_proofs

COURSE = ActivityFacts(
    activity_id="cursus",
    academy_id="fablab",
    nis_code="44021",
    public=True,
    status="available",
    postal_code="9000",
    occurrences=(OccurrenceFacts(date(2022, 12, 28)), OccurrenceFacts(date(2023, 1, 4))),
)
PROOFS = frozenset(
    {
        Proof("fablab", 2022, "44021", "9000", "cursus"),
        Proof("fablab", 2023, "44021", "9000", "cursus"),
    }
)


def _two(_year: int) -> int:
    return 2


def _organizer(_year: int) -> str | None:
    return "organizer"


def test_cancelled_sessions_and_a_second_session_on_the_same_day_are_not_counted() -> None:
    cancelled = OccurrenceFacts(date(2023, 1, 11), "unavailable")
    same_day = OccurrenceFacts(date(2023, 1, 4))
    facts = replace(COURSE, occurrences=(*COURSE.occurrences, cancelled, same_day))
    assert sessions_held(facts) == 2
    assert sessions_held(replace(facts, status="unavailable")) == 0


def test_a_traject_across_new_year_keeps_the_proofs_of_both_years() -> None:
    assert traject_proofs(COURSE, PROOFS, _two, _organizer) == PROOFS
    one = replace(COURSE, occurrences=COURSE.occurrences[:1])
    assert traject_proofs(one, PROOFS, _two, _organizer) == frozenset()


def test_a_co_organised_traject_is_claimed_by_the_organizer_or_by_no_one() -> None:
    shared = replace(COURSE, co_organisers=("techniekschuur",))
    assert claimant(shared, "organizer") == "fablab"
    assert claimant(shared, None) is None
    assert claimant(replace(COURSE, co_organisers=("fablab",)), None) == "fablab"
    assert traject_proofs(shared, PROOFS, _two, lambda _y: None) == frozenset()
