"""The reader against real UiTdatabank documents, as they are or with one field changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from activities.domain.model import Location, Occurrence
from activities.domain.reader import read_event

LoadEvent = Callable[[str], dict[str, Any]]


def with_date(document: dict[str, Any]) -> dict[str, Any]:
    """The optional-fields document has no date at all (so it is quarantined as it is)."""
    return {**document, "calendarType": "single", "startDate": "2017-04-25T10:00:00+02:00"}


EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"
PLACE_ID = "179c89c5-dba4-417b-ae96-62e7a12c2405"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_reads_a_single_event(load_event: LoadEvent) -> None:
    activity = read_event(load_event("original"))

    assert activity.activity_id == EVENT_ID
    assert activity.name == "Punkfest"
    assert activity.occurrences == (Occurrence(utc(2017, 4, 22, 10), utc(2017, 4, 22, 18)),)
    assert activity.location == Location(
        place_id=PLACE_ID,
        name="Hungaria",
        street_address="Vaartkom 35",
        postal_code="3000",
        locality="Leuven",
        country="BE",
        kind="place",
    )
    assert activity.organizer_id is None
    assert activity.theme_ids == ()
    assert activity.status == "available"
    assert activity.public is False  # DRAFT
    assert activity.modified == utc(2017, 4, 22, 11, 33, 37)  # no `modified`: `created`


def test_reads_every_sub_event_of_a_multiple_event_in_order(load_event: LoadEvent) -> None:
    activity = read_event(load_event("original-with-multiple-dates"))

    assert [o.start for o in activity.occurrences] == [
        utc(2017, 4, 29, 22),
        utc(2017, 4, 30, 22),
        utc(2017, 5, 6, 22),
    ]


def test_a_periodic_event_is_one_occurrence_over_its_period(load_event: LoadEvent) -> None:
    activity = read_event(load_event("original-periodic"))

    assert activity.occurrences == (Occurrence(utc(2017, 4, 22, 8), utc(2017, 4, 25, 21)),)


def test_a_permanent_event_has_no_occurrences(load_event: LoadEvent) -> None:
    document = load_event("original-permanent")
    document["startDate"] = "2017-04-22T10:00:00+02:00"

    assert read_event(document).occurrences == ()


def test_an_event_without_end_date_has_an_open_occurrence(load_event: LoadEvent) -> None:
    activity = read_event(load_event("original-without-end-date"))

    assert activity.occurrences == (Occurrence(utc(2017, 4, 22, 8), None),)


def test_reads_organizer_and_only_theme_terms(load_event: LoadEvent) -> None:
    activity = read_event(with_date(load_event("original-with-optional-fields")))

    assert activity.organizer_id == "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
    assert activity.theme_ids == ("1.11.0.0.0",)  # not the eventtype or facility terms
    assert activity.type_ids == ("0.7.0.0.0",)


def test_name_follows_the_main_language(load_event: LoadEvent) -> None:
    document = with_date(load_event("original-with-optional-fields"))
    document["mainLanguage"] = "fr"

    assert read_event(document).name == "Some French name"


@pytest.mark.parametrize(
    ("main_language", "name", "expected"),
    [
        ("fr", {"nl": "Robotkamp"}, "Robotkamp"),  # main language missing: nl
        (None, {"de": "Robotercamp"}, "Robotercamp"),  # no mainLanguage, no nl: any
        ("nl", {"nl": "  ", "en": "Robot camp"}, "Robot camp"),  # blank is missing
        ("nl", "Robotkamp (legacy)", "Robotkamp (legacy)"),  # plain string
        ("nl", {"nl": "Robot\x00kamp"}, "Robotkamp"),  # PostgreSQL cannot store NUL
    ],
)
def test_name_fallbacks(
    load_event: LoadEvent, main_language: str | None, name: object, expected: str
) -> None:
    document = load_event("original")
    document["mainLanguage"] = main_language
    document["name"] = name

    assert read_event(document).name == expected


def test_reads_cancelled_status(load_event: LoadEvent) -> None:
    assert read_event(load_event("original-with-unavailable-status")).status == "unavailable"


def test_reads_postponed_status(load_event: LoadEvent) -> None:
    document = load_event("original")
    document["status"] = {"type": "TemporarilyUnavailable", "reason": {"nl": "Later"}}

    assert read_event(document).status == "temporarily_unavailable"


def test_reads_an_online_mixed_event(load_event: LoadEvent) -> None:
    activity = read_event(load_event("original-with-attendance-mode-mixed"))

    assert activity.location.postal_code == "3000"


@pytest.mark.parametrize(
    ("workflow_status", "public"),
    [
        ("READY_FOR_VALIDATION", True),
        ("APPROVED", True),
        ("DRAFT", False),
        ("REJECTED", False),
        ("DELETED", False),
        (None, False),
    ],
)
def test_public_follows_the_workflow_status(
    load_event: LoadEvent, workflow_status: str | None, public: bool
) -> None:
    document = load_event("original")
    document["workflowStatus"] = workflow_status

    assert read_event(document).public is public
