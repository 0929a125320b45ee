"""The reader on legacy and unusual shapes (uitdatabank.md §1-5, §14).

Each case is a real document with one field changed to the shape under test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from activities.domain.model import Occurrence
from activities.domain.reader import UnreadableDocument, read_event

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


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://io.uitdatabank.be/events/23017CB7-E515-47B4-87C4-780735ACC942", EVENT_ID),
        ("https://io-test.uitdatabank.be/events/23017cb7-e515-47b4-87c4-780735acc942/", EVENT_ID),
        (
            "http://udb-silex-test.uitdatabank.be/event/289C4681-EE51-8AD8-A7851C6434767415",
            "289c4681-ee51-8ad8-a7851c6434767415",  # legacy UDB2 8-4-4-16
        ),
    ],
)
def test_event_ids_are_read_from_at_id_and_lower_cased(
    load_event: LoadEvent, uri: str, expected: str
) -> None:
    document = load_event("original")
    document["@id"] = uri

    assert read_event(document).activity_id == expected


def test_newer_modified_wins_over_created(load_event: LoadEvent) -> None:
    document = load_event("original")
    document["modified"] = "2024-03-01T09:15:00+01:00"

    assert read_event(document).modified == utc(2024, 3, 1, 8, 15)


def test_dates_without_a_zone_are_brussels_time(load_event: LoadEvent) -> None:
    document = load_event("original")
    document["startDate"] = "2015-03-02T13:30:00"  # winter: +01:00
    document["endDate"] = "2015-07-02T13:30:00"  # summer: +02:00

    assert read_event(document).occurrences == (
        Occurrence(utc(2015, 3, 2, 12, 30), utc(2015, 7, 2, 11, 30)),
    )


def test_legacy_single_event_without_sub_event_uses_top_level_dates(
    load_event: LoadEvent,
) -> None:
    document = load_event("original-with-multiple-dates")
    document["subEvent"] = [{"@type": "Event", "startDate": "not a date"}]

    assert read_event(document).occurrences == (
        Occurrence(utc(2017, 4, 29, 22), utc(2017, 5, 6, 22)),
    )


def test_a_dummy_organizer_is_not_linked(load_event: LoadEvent) -> None:
    document = with_date(load_event("original-with-optional-fields"))
    document["organizer"] = {"name": "CodeFever VZW", "@type": "Organizer"}

    assert read_event(document).organizer_id is None


def test_legacy_organizer_ids_are_lower_cased(load_event: LoadEvent) -> None:
    document = with_date(load_event("original-with-optional-fields"))
    document["organizer"]["@id"] = "http://x.be/organizer/289C4681-EE51-8AD8-A7851C6434767415"

    assert read_event(document).organizer_id == "289c4681-ee51-8ad8-a7851c6434767415"


def test_address_falls_back_to_the_first_complete_translation(load_event: LoadEvent) -> None:
    document = load_event("original")
    address = document["location"]["address"]
    document["location"]["address"] = {
        "nl": {},
        "fr": {**address["nl"], "addressLocality": "Louvain"},
    }

    assert read_event(document).location.locality == "Louvain"


def test_address_follows_the_place_main_language(load_event: LoadEvent) -> None:
    document = load_event("original")
    nl = document["location"]["address"]["nl"]
    document["location"]["mainLanguage"] = "fr"
    document["location"]["address"]["fr"] = {**nl, "addressLocality": "Louvain"}

    assert read_event(document).location.locality == "Louvain"


def test_reads_a_legacy_address_without_languages(load_event: LoadEvent) -> None:
    document = load_event("original")
    document["location"]["address"] = {"postalCode": 1804, "addressLocality": "Zemst"}

    location = read_event(document).location
    assert (location.postal_code, location.locality, location.country) == ("1804", "Zemst", None)


def test_a_dummy_location_keeps_its_address(load_event: LoadEvent) -> None:
    document = load_event("original")
    del document["location"]["@id"]

    location = read_event(document).location
    assert (location.place_id, location.postal_code) == (None, "3000")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"@id": None}, "no UiTdatabank event id"),
        ({"@id": "http://udb-silex.dev/place/" + PLACE_ID}, "no UiTdatabank event id"),
        ({"name": {"nl": " "}}, "has no name"),
        ({"name": None}, "has no name"),
        ({"created": None}, "neither a modified nor a created date"),
    ],
)
def test_unreadable_documents_say_why(
    load_event: LoadEvent, change: dict[str, Any], reason: str
) -> None:
    document = load_event("original") | change

    with pytest.raises(UnreadableDocument, match=reason):
        read_event(document)


def test_a_json_array_is_not_a_document() -> None:
    with pytest.raises(UnreadableDocument, match="not a JSON object"):
        read_event([{"@id": "x"}])
