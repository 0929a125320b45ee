"""The traject rule (`domain.trajecten`): sessions held, one claimant per traject, what a
call paying per place may pay, and how a paid euro names its traject."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from subsidy.domain.reach import ActivityFacts, OccurrenceFacts, Proof
from subsidy.domain.sessions import subevent_days
from subsidy.domain.trajecten import (
    claimant,
    describe,
    payable,
    sessions_held,
    traject_of,
)

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
SUMMER = timezone(timedelta(hours=2))


def test_cancelled_sessions_and_a_second_session_on_the_same_day_are_not_counted() -> None:
    cancelled = OccurrenceFacts(date(2023, 1, 11), "unavailable")
    same_day = OccurrenceFacts(date(2023, 1, 4))
    facts = replace(COURSE, occurrences=(*COURSE.occurrences, cancelled, same_day))
    assert sessions_held(facts) == 2
    assert sessions_held(replace(facts, status="unavailable")) == 0
    assert traject_of(facts) == traject_of(COURSE)


def test_a_traject_across_new_year_pays_in_both_years() -> None:
    trajecten = {"cursus": traject_of(COURSE)}
    assert payable(PROOFS, trajecten, 2, "organizer") == PROOFS
    one = replace(COURSE, occurrences=COURSE.occurrences[:1])
    assert payable(PROOFS, {"cursus": traject_of(one)}, 2, "organizer") == frozenset()
    assert payable(PROOFS, {}, 2, "organizer") == frozenset()  # unknown activity: fails closed


def test_a_co_organised_traject_is_claimed_by_the_organizer_or_by_no_one() -> None:
    shared = traject_of(replace(COURSE, co_organisers=("techniekschuur",)))
    assert claimant(shared, "organizer") == "fablab"
    assert claimant(shared, None) is None
    assert claimant(traject_of(replace(COURSE, co_organisers=("fablab",))), None) == "fablab"
    assert payable(PROOFS, {"cursus": shared}, 2, None) == frozenset()
    assert payable(PROOFS, {"cursus": traject_of(COURSE)}, 2, None) == PROOFS


def test_the_explanation_names_the_activity_its_sessions_and_first_and_last_day() -> None:
    assert describe(traject_of(COURSE), "organizer") == (
        "traject cursus: 2 sessions held, first 2022-12-28, last 2023-01-04"
    )


def test_a_multi_day_camp_is_a_session_per_day_and_a_night_event_one() -> None:
    camp = subevent_days(
        [
            (
                datetime(2023, 7, 10, 9, tzinfo=SUMMER),
                datetime(2023, 7, 14, 16, tzinfo=SUMMER),
                None,
                None,
            )
        ]
    )
    assert [o.day for o in camp] == [date(2023, 7, d) for d in range(10, 15)]
    night = subevent_days(
        [
            (
                datetime(2023, 8, 12, 20, tzinfo=SUMMER),
                datetime(2023, 8, 13, 2, tzinfo=SUMMER),
                None,
                None,
            )
        ]
    )
    assert [o.day for o in night] == [date(2023, 8, 12)]
    assert [o.day for o in subevent_days([(datetime(2023, 8, 12, 20), None, "x", "1")])] == [
        date(2023, 8, 12)
    ]
