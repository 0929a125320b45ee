"""One test per pitfall of uitdatabank.md (section in each name), on real documents with
the field under test changed to the shape that occurs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from activities.domain.calendar import FOREVER
from activities.domain.documents import Document, Notification, classify, read_document
from activities.domain.model import Occurrence, Place
from activities.domain.places import read_organizer, read_place
from activities.domain.reader import UnreadableDocument, read_event

LoadEvent = Callable[[str], dict[str, Any]]
PLACE = "http://udb-silex.dev/place/179c89c5-dba4-417b-ae96-62e7a12c2405"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_s0_a_thin_notification_is_recognised_for_a_fetch() -> None:
    iri = "https://io.uitdatabank.be/events/23017CB7-E515-47B4-87C4-780735ACC942"
    body = {
        "id": "6c9f1ad1-0000-4000-8000-000000000001",
        "playhead": 7,
        "metadata": {"request_time": 1700000000},
        "payload": {
            "item_id": "23017CB7-E515-47B4-87C4-780735ACC942",
            "iri": iri,
        },
        "recorded_on": "2025-05-01T10:00:00+02:00",
    }

    assert classify(body) == Notification("event", "23017cb7-e515-47b4-87c4-780735acc942", iri)


@pytest.mark.parametrize("kind", ["place", "places", "organizer", "organizers"])
def test_s0_notifications_for_places_and_organizers(kind: str) -> None:
    iri = f"https://io.uitdatabank.be/{kind}/179c89c5-dba4-417b-ae96-62e7a12c2405"
    found = classify({"id": "x", "payload": {"item_id": "x", "iri": iri}})

    assert isinstance(found, Notification)
    assert found.kind == kind.rstrip("s")


@pytest.mark.parametrize(("workflow", "withdrawn"), [("DELETED", True), ("REJECTED", True)])
def test_s0_s9_deletion_is_a_soft_delete_that_withdraws(
    load_event: LoadEvent, workflow: str, withdrawn: bool
) -> None:
    activity = read_event(load_event("original") | {"workflowStatus": workflow})

    assert (activity.withdrawn, activity.public) == (withdrawn, False)


def test_s1_top_level_type_missing_and_old_context(load_event: LoadEvent) -> None:
    document = load_event("original") | {"@context": "/api/1.0/event.jsonld"}
    document.pop("@type", None)

    assert read_event(document).name == "Punkfest"


def test_s1_the_kind_follows_the_at_id_path() -> None:
    place = classify(
        {"@id": "https://io.uitdatabank.be/places/ABC00000-0000-0000-0000-000000000000"}
    )

    assert isinstance(place, Document)
    assert (place.kind, place.item_id) == ("place", "abc00000-0000-0000-0000-000000000000")


def test_s2_main_language_es_falls_back_to_nl(load_event: LoadEvent) -> None:
    document = load_event("original-with-languages") | {"mainLanguage": "es"}

    assert read_event(document).name == "Punkfest"


def test_s2_missing_main_language_and_terms(load_event: LoadEvent) -> None:
    document = load_event("original")
    del document["mainLanguage"]
    document.pop("terms", None)

    activity = read_event(document)
    assert (activity.name, activity.theme_ids, activity.type_ids) == ("Punkfest", (), ())


def test_s3_a_legacy_single_event_without_sub_event_and_without_zone(
    load_event: LoadEvent,
) -> None:
    document = load_event("original") | {
        "startDate": "2015-03-02T13:30:00",
        "endDate": "2015-03-02T16:00:00",
    }
    document.pop("subEvent", None)

    assert read_event(document).occurrences == (
        Occurrence(utc(2015, 3, 2, 12, 30), utc(2015, 3, 2, 15, 0)),
    )


def test_s3_a_single_sub_event_can_span_days_and_keeps_its_own_status(
    load_event: LoadEvent,
) -> None:
    document = load_event("original-with-unavailable-status")

    statuses = {o.status for o in read_event(document).occurrences}
    assert statuses <= {"available", "unavailable", "temporarily_unavailable", None}
    assert read_event(document).status == "unavailable"


@pytest.mark.parametrize("calendar_type", ["single", "multiple", "periodic", None, "weird"])
def test_s3_no_usable_date_is_quarantined(load_event: LoadEvent, calendar_type: str | None) -> None:
    document = load_event("original") | {"calendarType": calendar_type}
    for key in ("startDate", "endDate", "subEvent"):
        document.pop(key, None)

    with pytest.raises(UnreadableDocument, match="no usable date"):
        read_event(document)


def test_s3_permanent_has_no_dates_and_is_available_until_2100(load_event: LoadEvent) -> None:
    document = load_event("original-permanent")
    del document["availableTo"]

    activity = read_event(document)
    assert (activity.occurrences, activity.available_to) == ((), FOREVER)


def test_s4_the_nil_location_is_online(load_event: LoadEvent) -> None:
    document = load_event("original-with-attendance-mode-mixed")
    document["attendanceMode"] = "online"
    document["location"] = {
        "@id": "https://io.uitdatabank.be/places/00000000-0000-0000-0000-000000000000"
    }

    assert read_event(document).location.kind == "online"


@pytest.mark.parametrize(
    "place_id", ["c3f9278e-228b-4199-8f9a-b9716a17e58f", "3b92c85b-a923-4895-85f5-ed056dae11e2"]
)
def test_s4_the_school_location(load_event: LoadEvent, place_id: str) -> None:
    document = load_event("original")
    document["location"]["@id"] = f"https://io.uitdatabank.be/places/{place_id}"
    document["audience"] = {"audienceType": "education"}

    activity = read_event(document)
    assert (activity.location.kind, activity.audience) == ("school", "education")


def test_s4_a_dummy_location_keeps_its_address(load_event: LoadEvent) -> None:
    document = load_event("original")
    del document["location"]["@id"]

    location = read_event(document).location
    assert (location.kind, location.place_id, location.postal_code) == ("dummy", None, "3000")


def test_s4_a_duplicate_place_points_to_its_canonical_place(load_event: LoadEvent) -> None:
    document = load_event("original")
    document["location"]["duplicateOf"] = (
        "http://udb-silex.dev/place/92F24F5B-381B-4A33-8768-B83F31DD07E9"
    )

    assert read_event(document).location.place_id == "92f24f5b-381b-4a33-8768-b83f31dd07e9"


def test_s4_a_place_document_marked_duplicate(load_place: Callable[[str], Any]) -> None:
    place = read_place(load_place("original-with-duplicate-of"))

    assert isinstance(place, Place)
    assert place.canonical_id == "92f24f5b-381b-4a33-8768-b83f31dd07e9"
    assert place.location.place_id == "179c89c5-dba4-417b-ae96-62e7a12c2405"


def test_s4_address_missing_in_the_main_language(load_place: Callable[[str], Any]) -> None:
    place = read_place(load_place("original-without-address-in-main-language"))

    assert (place.location.locality, place.location.postal_code) == ("Louvain", "3000")


def test_s4_coordinates_are_read_and_bounded(load_event: LoadEvent) -> None:
    document = load_event("original")
    document["location"]["geo"] = {"latitude": "50.8876694", "longitude": 4.70373}
    assert read_event(document).location.latitude == pytest.approx(50.8876694)
    document["location"]["geo"] = {"latitude": 500, "longitude": float("inf")}
    assert read_event(document).location.latitude is None


def test_s5_an_organizer_without_main_language_falls_back_to_any_name(
    load_organizer: Callable[[str], Any],
) -> None:
    document = load_organizer("missing_main_language_original")

    assert read_organizer(document).name == "PHPLouvain"


def test_s5_a_deleted_organizer(load_organizer: Callable[[str], Any]) -> None:
    assert read_organizer(load_organizer("original_with_workflowstatus_deleted")).deleted


def test_s6_terms_are_matched_on_id_never_on_label(load_event: LoadEvent) -> None:
    document = load_event("original") | {
        "terms": [
            {"id": "0.3.1.0.0", "label": "Cursus of workshop", "domain": "eventtype"},
            {"id": "1.25.0.0.0", "label": "Iets anders nu", "domain": "theme"},
            {"id": "reg.359", "label": "Leuven", "domain": "flandersregion"},
            {"id": "OyaPaf64AEmEAYXHeLMAtA", "label": "Zaal", "domain": "eventtype"},
            {"label": "Wetenschap", "domain": "theme"},
        ]
    }

    activity = read_event(document)
    assert activity.theme_ids == ("1.25.0.0.0",)
    assert activity.type_ids == ("0.3.1.0.0", "OyaPaf64AEmEAYXHeLMAtA")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6-12", (6, 12)),
        ("6-", (6, None)),
        ("-12", (0, 12)),
        ("-", (0, None)),
        ("4/10", (None, None)),
        ("12-6", (None, None)),
        (None, (None, None)),
        (12, (None, None)),
    ],
)
def test_s8_typical_age_range(load_event: LoadEvent, value: Any, expected: Any) -> None:
    activity = read_event(load_event("original") | {"typicalAgeRange": value})

    assert (activity.age_min, activity.age_max) == expected


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ({"audienceType": "members"}, "members"),
        ({"audienceType": "education"}, "education"),
        (None, "everyone"),
        ({"audienceType": "aliens"}, "everyone"),
    ],
)
def test_s8_audience(load_event: LoadEvent, audience: Any, expected: str) -> None:
    assert read_event(load_event("original") | {"audience": audience}).audience == expected


@pytest.mark.parametrize(
    ("event_type", "available_to"),
    [
        ("0.3.1.0.0", utc(2025, 9, 3, 16)),  # Lessenreeks: until its start
        ("0.57.0.0.0", utc(2025, 9, 3, 16)),  # Kamp: until its start
        ("0.12.0.0.0", utc(2025, 12, 17, 17)),  # anything else: until its end
    ],
)
def test_s9_available_to_follows_the_lessenreeks_and_kamp_rule(
    load_event: LoadEvent, event_type: str, available_to: datetime
) -> None:
    document = load_event("original-periodic") | {
        "startDate": "2025-09-03T18:00:00+02:00",
        "endDate": "2025-12-17T18:00:00+01:00",
        "terms": [{"id": event_type, "label": "x", "domain": "eventtype"}],
    }
    del document["availableTo"]

    assert read_event(document).available_to == available_to


def test_s9_an_end_at_midnight_lasts_the_whole_day(load_event: LoadEvent) -> None:
    document = load_event("original-with-multiple-dates")
    del document["availableTo"]

    # the last subEvent ends 2017-05-07T00:00:00+02:00: the whole day counts
    assert read_event(document).available_to == utc(2017, 5, 7, 21, 59, 59)


def test_s9_given_availability_is_kept(load_event: LoadEvent) -> None:
    activity = read_event(load_event("original-with-available-to-missing"))

    assert activity.available_from == utc(2017, 4, 20)
    assert activity.available_to == utc(2017, 4, 22, 16)  # derived from its end


def test_s9_cancelled_and_postponed_are_kept_and_flagged(load_event: LoadEvent) -> None:
    postponed = load_event("original") | {"status": {"type": "TemporarilyUnavailable"}}

    assert read_event(postponed).status == "temporarily_unavailable"
    assert read_event(postponed).withdrawn is False


def test_s11_plain_string_legacy_fields(load_event: LoadEvent) -> None:
    document = load_event("original") | {"name": "Robotkamp", "mainLanguage": None}
    document["location"]["name"] = "Zaal"

    activity = read_event(document)
    assert (activity.name, activity.location.name) == ("Robotkamp", "Zaal")


def test_s14_legacy_shapes_elsewhere_do_not_matter(load_event: LoadEvent) -> None:
    document = load_event("original") | {
        "bookingInfo": [{"phone": "123"}],
        "priceInfo": [{"category": "base", "name": "Basistarief", "price": "x"}],
        "calendarSummary": "vandaag",
        "contactPoint": [{"telephone": "1"}],
        "openingHours": [{"opens": "25:00"}],
        "production": None,
        "sameAs": ["88992"],
    }

    assert read_event(document).activity_id == "23017cb7-e515-47b4-87c4-780735acc942"


def test_unknown_shapes_are_quarantined_with_a_reason() -> None:
    with pytest.raises(UnreadableDocument, match="unknown shape"):
        read_document(classify({"hello": "world"}))  # type: ignore[arg-type]
    with pytest.raises(UnreadableDocument, match=r"payload\.iri"):
        classify({"payload": {"iri": "https://example.org/nothing"}})
