"""The partner details of an activity (issue 18), read from real UiTdatabank documents
(../shared/uitdatabank, copied under fixtures/) and from the legacy shapes
../shared/docs/uitdatabank.md §2 and §14 describe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from activities.adapters.snapshots import from_snapshot, to_snapshot
from activities.domain.details import read_details, sanitise, url
from activities.domain.reader import read_event
from stemkit.contracts import activity_details as d
from stemkit.domain.richtext import plain_text

LoadEvent = Callable[[str], dict[str, Any]]


def optional_fields(load_event: LoadEvent) -> dict[str, Any]:
    """The multilingual document with images, prices, facilities and performers (it has
    no date, so one is added)."""
    document = load_event("original-with-optional-fields")
    return {**document, "calendarType": "single", "startDate": "2017-04-25T10:00:00+02:00"}


def test_every_language_of_the_document_is_read(load_event: LoadEvent) -> None:
    details = read_event(optional_fields(load_event)).details

    assert details is not None
    assert details.main_language == "nl"
    assert details.languages == ["nl", "fr", "en", "de"]
    assert details.names == d.Localised(
        nl="Punkfest", fr="Some French name", en="Some English name", de="Some German name"
    )
    assert details.descriptions is not None
    assert details.descriptions.fr == "<p>Some French description</p>"
    assert details.description_cut is False


def test_images_prices_facilities_organizer_and_performers(load_event: LoadEvent) -> None:
    details = read_event(optional_fields(load_event)).details

    assert details is not None
    media = "http://udb-silex.dev/media/"
    assert [(i.url, i.copyright_holder, i.description) for i in details.images] == [
        (media + "f09d624e-515d-43fd-8e07-3e45926f6270.bmp", "Foo Bar", "BMP file"),
        (media + "8175ab98-bcdc-4167-9c8a-2d9ae1949908.jpg", "Foo Bar", "JPG file"),
    ]
    assert details.price == d.Price(
        free=False,
        categories=[
            d.PriceCategory(category="base", name=d.Localised(nl="Basistarief"), price=19.99),
            d.PriceCategory(category="tariff", name=d.Localised(nl="Student"), price=14.99),
        ],
    )
    assert [(f.id, f.label) for f in details.facilities] == [
        ("3.15.0.0.0", "Audiogids"),
        ("3.16.0.0.0", "Gids"),
    ]
    assert details.organizer == d.Contact(name="PHPLeuven")
    assert details.performers == ["John Doe", "Jane Doe"]


def test_the_attendance_mode_is_read(load_event: LoadEvent) -> None:
    details = read_event(load_event("original-with-attendance-mode-mixed")).details

    assert details is not None and details.attendance_mode == "mixed"


FULL: dict[str, Any] = {
    "mainLanguage": "fr",
    "name": {"fr": "Atelier robots", "nl": "Robotatelier"},
    "description": {"fr": "Construis un robot.\n\nÂge: 8-12", "nl": "<p>Bouw een <b>robot</b></p>"},
    "image": "https://images.uitdatabank.be/b.jpg",
    "mediaObject": [
        {"@type": "schema:ImageObject", "contentUrl": "https://images.uitdatabank.be/a.jpg"},
        {
            "@type": "schema:ImageObject",
            "contentUrl": "https://images.uitdatabank.be/b.jpg",
            "copyrightHolder": "STEM-academie Gent",
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "inLanguage": "nl",
        },
    ],
    "bookingInfo": {
        "url": "https://tickets.example.be/robots",
        "urlLabel": {"nl": "Schrijf je in", "fr": "Inscris-toi"},
        "phone": "+32 9 123 45 67",
        "email": "info@academie.be",
        "availabilityStarts": "2025-09-01T00:00:00+02:00",
        "availabilityEnds": "2025-09-30T23:59:59+02:00",
    },
    "bookingAvailability": {"type": "Unavailable"},
    "priceInfo": [
        {"category": "tariff", "name": {"nl": "Met UiTPAS"}, "price": 1.5, "priceCurrency": "EUR"},
        {"category": "base", "name": "Basistarief", "price": 0, "priceCurrency": "EUR"},
    ],
    "sameAs": ["88992", "http://www.uitinvlaanderen.be/agenda/e/robotatelier/abc"],
    "attendanceMode": "online",
    "onlineUrl": "https://meet.example.be/robots",
    "status": {"type": "TemporarilyUnavailable", "reason": {"fr": "Reporté", "nl": "Uitgesteld"}},
    "organizer": {
        "@id": "https://io.uitdatabank.be/organizers/5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83",
        "name": {"nl": "STEM-academie Gent"},
        "url": "https://academie.be",
        "contactPoint": {"email": ["info@academie.be"], "phone": ["09 123 45 67"], "url": []},
    },
}


def test_booking_price_links_status_and_organizer_contact() -> None:
    details = read_details(FULL, "fr")

    assert details.booking == d.Booking(
        url="https://tickets.example.be/robots",
        url_label=d.Localised(nl="Schrijf je in", fr="Inscris-toi"),
        phone="+32 9 123 45 67",
        email="info@academie.be",
        available_from=datetime(2025, 8, 31, 22, tzinfo=UTC),
        available_to=datetime(2025, 9, 30, 21, 59, 59, tzinfo=UTC),
    )
    assert details.booking_availability == "unavailable"
    assert details.price is not None and details.price.free  # the base price is 0
    assert [c.category for c in details.price.categories] == ["base", "tariff"]
    assert details.price.categories[0].name == d.Localised(fr="Basistarief")  # legacy string
    assert details.same_as == ["http://www.uitinvlaanderen.be/agenda/e/robotatelier/abc"]
    assert details.uit_url == "http://www.uitinvlaanderen.be/agenda/e/robotatelier/abc"
    assert (details.attendance_mode, details.online_url) == (
        "online",
        "https://meet.example.be/robots",
    )
    assert details.status_reason == d.Localised(fr="Reporté", nl="Uitgesteld")
    assert details.organizer == d.Contact(
        name="STEM-academie Gent",
        url="https://academie.be",
        emails=["info@academie.be"],
        phones=["09 123 45 67"],
    )
    main, other = details.images
    assert (main.url, main.main, main.copyright_holder, main.language) == (
        "https://images.uitdatabank.be/b.jpg",
        True,
        "STEM-academie Gent",
        "nl",
    )
    assert main.license == "https://creativecommons.org/licenses/by/4.0/"
    assert (other.main, other.license) == (False, None)


def test_a_plain_text_description_becomes_paragraphs_and_its_text_reads_back() -> None:
    details = read_details(FULL, "fr")

    assert details.descriptions is not None
    assert details.descriptions.fr == "<p>Construis un robot.</p><p>Âge: 8-12</p>"
    assert plain_text(details.descriptions.fr) == "Construis un robot.\n\nÂge: 8-12"
    assert plain_text(details.descriptions.nl or "") == "Bouw een robot"


@pytest.mark.parametrize(
    ("html", "sanitised"),
    [
        ("<p>a<script>alert(1)</script></p>", "<p>a</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<img src=x onerror="alert(1)">b', "b"),
        ('<p style="color:red" onclick="x()">c</p>', "<p>c</p>"),
        (
            '<a href="https://uit.be" target="_blank">d</a>',
            '<a href="https://uit.be" rel="noopener noreferrer nofollow">d</a>',
        ),
        ("<iframe src='https://evil'></iframe><b>e</b>", "<b>e</b>"),
    ],
)
def test_descriptions_are_sanitised(html: str, sanitised: str) -> None:
    assert sanitise(html) == sanitised


def test_a_long_description_is_cut_well_formed_and_flagged() -> None:
    html = "<p>" + "<strong>woord</strong> &amp; " * 400 + "</p>"

    details = read_details({"description": {"nl": html}}, "nl")

    assert details.description_cut
    assert details.descriptions is not None and details.descriptions.nl is not None
    cut = details.descriptions.nl
    assert len(cut) <= d.MAX_DESCRIPTION_CHARS
    assert cut.endswith("…</p>") and sanitise(cut) == cut  # closed again, nothing broken


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://uit.be/a b", None),
        ("ftp://uit.be/a", None),
        ("javascript:alert(1)", None),
        ("88992", None),
        ("https://uit.be/évé", "https://uit.be/%C3%A9v%C3%A9"),
        ("https://" + "u" * d.MAX_URL_CHARS, None),
        (["https://uit.be"], None),
    ],
)
def test_urls_are_http_ascii_and_bounded(value: Any, expected: str | None) -> None:
    assert url(value) == expected


WRONG_SHAPES: list[dict[str, Any]] = [
    {"description": ["a list"], "name": 42, "languages": "nl"},
    {"mediaObject": {"contentUrl": "https://x.be/a.jpg"}, "image": ["x"]},
    {"mediaObject": [{"contentUrl": None}, "text", {"@type": "VideoObject", "contentUrl": "x"}]},
    {"bookingInfo": [{"phone": 123}], "bookingAvailability": "Available"},
    {"bookingInfo": {"availabilityStarts": "", "url": "not a url", "urlLabel": "Boek"}},
    {"priceInfo": [{"category": "base", "price": "gratis"}, {"category": "vip", "price": 1}]},
    {"priceInfo": [{"category": "base", "price": -1}], "sameAs": "https://uit.be"},
    {"organizer": {"name": "Dummy VZW", "contactPoint": [{"telephone": "09 1"}]}},
    {"organizer": "https://io.uitdatabank.be/organizers/x", "performer": "Jan"},
    {"status": {"reason": "Afgelast"}, "attendanceMode": "hybrid", "onlineUrl": 3},
    {"terms": [{"domain": "facility"}, {"domain": "facility", "id": "x" * 99}]},
]


@pytest.mark.parametrize("document", WRONG_SHAPES)
def test_wrong_shapes_are_left_out_never_fatal(document: dict[str, Any]) -> None:
    details = read_details(document, None)

    assert isinstance(details, d.ActivityDetails)


def test_legacy_shapes_that_carry_something_are_read() -> None:
    details = read_details(WRONG_SHAPES[3] | WRONG_SHAPES[7] | WRONG_SHAPES[9], None)

    assert details.booking == d.Booking(phone="123")
    assert details.organizer == d.Contact(name="Dummy VZW", phones=["09 1"])
    assert details.status_reason == d.Localised(nl="Afgelast")  # no mainLanguage: nl
    assert details.attendance_mode is None


def test_the_details_survive_the_snapshot_round_trip(load_event: LoadEvent) -> None:
    activity = read_event(optional_fields(load_event))

    assert activity.details is not None and activity.details.images
    assert from_snapshot(to_snapshot(activity).model_dump(mode="json")) == activity


def test_an_event_without_details_reads_back_as_none() -> None:
    snapshot = {
        "activity_id": "23017cb7-e515-47b4-87c4-780735acc942",
        "name": "Oud",
        "location": {},
        "modified": "2025-01-01T00:00:00Z",
    }

    assert from_snapshot(snapshot).details is None
