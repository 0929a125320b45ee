"""What one activity may hold (README "Limits"): a document beyond a limit is quarantined
with the reason, so the event of the largest activity the reader can produce still fits
in one Kafka request."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from activities.adapters.snapshots import to_snapshot
from activities.domain import limits
from activities.domain.limits import (
    MAX_CODE_CHARS,
    MAX_NAME_CHARS,
    MAX_OCCURRENCES,
    MAX_STREET_CHARS,
    MAX_TERM_ID_CHARS,
    MAX_TERMS,
)
from activities.domain.model import Activity, Location, Occurrence
from activities.domain.municipalities import Municipality, resolve
from activities.domain.places import UnreadablePlace, read_place
from activities.domain.reader import UnreadableDocument, read_event
from activities.service_layer.catalogue import SOURCE
from stemkit.contracts import CATALOG
from stemkit.contracts import activity_details as d
from stemkit.contracts.activities import ActivityUpdated
from stemkit.eventing.kafka import MAX_MESSAGE_BYTES

LoadEvent = Callable[[str], dict[str, Any]]

WEBHOOK_MAX_BODY_BYTES = 1024 * 1024  # Settings.webhook_max_body_bytes' default


def with_dates(document: dict[str, Any], count: int) -> dict[str, Any]:
    """The document with `count` one-line subEvents, each on its own hour."""
    first = datetime(2030, 1, 1, 10, tzinfo=UTC)
    starts = [f"{first + timedelta(hours=n):%Y-%m-%dT%H:%MZ}" for n in range(count)]
    return {
        **document,
        "calendarType": "multiple",
        "startDate": starts[0],
        "subEvent": [{"startDate": start} for start in starts],
    }


def test_a_document_with_30000_dates_is_quarantined(load_event: LoadEvent) -> None:
    """Issue 14, case 2: under the webhook's 1 MiB, its event would be ~2.2 MB."""
    document = with_dates(load_event("original-with-multiple-dates"), 30_000)
    assert len(json.dumps(document, separators=(",", ":")).encode()) < WEBHOOK_MAX_BODY_BYTES

    reason = "30000 occurrences, more than the 2000 one activity may hold"
    with pytest.raises(UnreadableDocument, match=reason):
        read_event(document)


def test_as_many_dates_as_allowed_are_read(load_event: LoadEvent) -> None:
    document = with_dates(load_event("original-with-multiple-dates"), MAX_OCCURRENCES)

    assert len(read_event(document).occurrences) == MAX_OCCURRENCES


def test_one_date_more_than_allowed_is_quarantined(load_event: LoadEvent) -> None:
    document = with_dates(load_event("original-with-multiple-dates"), MAX_OCCURRENCES + 1)

    with pytest.raises(UnreadableDocument, match=f"{MAX_OCCURRENCES + 1} occurrences"):
        read_event(document)


def test_dates_are_counted_once_however_often_they_are_repeated(load_event: LoadEvent) -> None:
    document = load_event("original")
    document["subEvent"] = [{"startDate": "2030-01-01T10:00:00Z"}] * (MAX_OCCURRENCES + 1)

    assert len(read_event(document).occurrences) == 1


def terms(domain: str, count: int, length: int = 9) -> list[dict[str, str]]:
    return [{"id": f"{n:0{length}d}", "domain": domain, "label": "x"} for n in range(count)]


def address(**parts: str) -> dict[str, str]:
    return {
        "addressCountry": "BE",
        "addressLocality": "Leuven",
        "postalCode": "3000",
        "streetAddress": "Vaartkom 35",
        **parts,
    }


OVER = [
    ("name", {"name": {"nl": "é" * (MAX_NAME_CHARS + 1)}}, "name of 1001 characters"),
    ("workflowStatus", {"workflowStatus": "A" * 101}, "workflowStatus of 101 characters"),
    ("themes", {"terms": terms("theme", MAX_TERMS + 1)}, "51 theme terms"),
    ("types", {"terms": terms("eventtype", MAX_TERMS + 1)}, "51 eventtype terms"),
    ("term id", {"terms": terms("theme", 1, length=65)}, "a theme term id of 65 characters"),
    (
        "location name",
        {"location": {"name": "P" * 1001, "address": address()}},
        "location name of 1001 characters",
    ),
    (
        "locality",
        {"location": {"address": address(addressLocality="L" * 1001)}},
        "locality of 1001 characters",
    ),
    (
        "postal code",
        {"location": {"address": address(postalCode="3" * 101)}},
        "postal code of 101 characters",
    ),
    (
        "country",
        {"location": {"address": address(addressCountry="b" * 101)}},
        "country of 101 characters",
    ),
]


@pytest.mark.parametrize(("change", "reason"), [o[1:] for o in OVER], ids=[o[0] for o in OVER])
def test_a_field_beyond_its_limit_is_quarantined_with_the_reason(
    load_event: LoadEvent, change: dict[str, Any], reason: str
) -> None:
    with pytest.raises(UnreadableDocument, match=reason):
        read_event(load_event("original") | change)


def test_fields_at_their_limit_are_read(load_event: LoadEvent) -> None:
    document = load_event("original") | {
        "name": {"nl": "\U0001f600" * MAX_NAME_CHARS},
        "terms": terms("theme", MAX_TERMS, MAX_TERM_ID_CHARS) + terms("eventtype", MAX_TERMS),
        "location": {
            "name": "P" * MAX_NAME_CHARS,
            "address": address(addressLocality="L" * MAX_NAME_CHARS, postalCode="3" * 100),
        },
    }

    activity = read_event(document)

    assert len(activity.name) == MAX_NAME_CHARS
    assert (len(activity.theme_ids), len(activity.type_ids)) == (MAX_TERMS, MAX_TERMS)


def test_a_place_beyond_a_limit_is_quarantined(load_place: LoadEvent) -> None:
    """Activities at a place carry the place's own document (enrichment), so it is bound
    by the same limits."""
    document = load_place("original") | {"name": {"nl": "P" * (MAX_NAME_CHARS + 1)}}

    with pytest.raises(UnreadablePlace, match="location name of 1001 characters"):
        read_place(document)


# What the biggest activity's event can weigh: the producer refuses a record over its
# max_request_size (MAX_MESSAGE_BYTES, which every topic's max.message.bytes equals); half
# of it leaves room for the record batch, and for a dead letter that wraps the event.
BUDGET = MAX_MESSAGE_BYTES // 2
WIDE = "\U0001f600"  # 4 bytes in UTF-8, 12 in JSON's ASCII escapes ("\ud83d\ude00")
UUID = "23017cb7-e515-47b4-87c4-780735acc942"
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999_999, tzinfo=UTC)  # the longest timestamps


def largest_activity() -> Activity:
    """Every limit at its maximum, every value as long as its type lets it be."""
    location = Location(
        place_id=UUID,
        name=WIDE * MAX_NAME_CHARS,
        street_address=WIDE * MAX_STREET_CHARS,
        postal_code=WIDE * MAX_CODE_CHARS,
        locality=WIDE * MAX_NAME_CHARS,
        country=WIDE * MAX_CODE_CHARS,
        nis_code="12345",
        kind="online",
        latitude=-1.2345678901234567e-300,  # the longest repr a float in range has
        longitude=-1.2345678901234567e-300,
    )
    # The longest reason resolution gives: a postal code of two municipalities that
    # neither the day nor the locality decides.
    twins = [Municipality(nis, "Elders", date(1977, 1, 1)) for nis in ("11111", "22222")]
    _, reason = resolve(replace(location, country=None, latitude=None), twins, LATEST.date())
    occurrences = tuple(
        Occurrence(LATEST - timedelta(days=n), LATEST, "temporarily_unavailable", "12345")
        for n in range(MAX_OCCURRENCES)
    )
    term_ids = tuple(f"{n:02d}" + WIDE * (MAX_TERM_ID_CHARS - 2) for n in range(MAX_TERMS))
    return Activity(
        activity_id=UUID,
        name=WIDE * MAX_NAME_CHARS,
        modified=LATEST,
        organizer_id=UUID,
        academy_id=UUID,
        occurrences=occurrences,
        location=replace(location, unresolved_reason=reason),
        theme_ids=term_ids,
        type_ids=term_ids,
        status="temporarily_unavailable",
        public=True,
        age_min=99_999,
        age_max=99_999,
        audience="education",
        # The labels the reader keeps (issue 15): at most MAX_LABELS of MAX_LABEL_CHARS.
        labels=tuple(
            f"{n:02d}" + WIDE * (limits.MAX_LABEL_CHARS - 2) for n in range(limits.MAX_LABELS)
        ),
        workflow_status=WIDE * MAX_CODE_CHARS,
        available_from=LATEST,
        available_to=LATEST,
        details=largest_details(),
    )


def _localised(length: int) -> d.Localised:
    return d.Localised(**dict.fromkeys(d.LANGUAGES, WIDE * length))


def largest_details() -> d.ActivityDetails:
    """Every list of the partner details full, every text at its bound (issue 18)."""
    url = "https://" + "u" * (d.MAX_URL_CHARS - 8)
    short = WIDE * d.MAX_SHORT_TEXT_CHARS
    image = d.Image(
        url=url,
        thumbnail_url=url,
        copyright_holder=short,
        license=short,
        description=short,
        language="nl",
        main=True,
    )
    price = d.PriceCategory(
        category="tariff", name=_localised(d.MAX_SHORT_TEXT_CHARS), price=1.2345678901234567e300
    )
    return d.ActivityDetails(
        main_language="nl",
        languages=list(d.LANGUAGES),
        names=_localised(d.MAX_TRANSLATED_NAME_CHARS),
        descriptions=_localised(d.MAX_DESCRIPTION_CHARS),
        description_cut=True,
        status_reason=_localised(d.MAX_SHORT_TEXT_CHARS),
        images=[image] * d.MAX_IMAGES,
        booking=d.Booking(
            url=url,
            url_label=_localised(d.MAX_SHORT_TEXT_CHARS),
            phone=short,
            email=short,
            available_from=LATEST,
            available_to=LATEST,
        ),
        booking_availability="unavailable",
        price=d.Price(free=False, categories=[price] * d.MAX_PRICES),
        uit_url=url,
        same_as=[url] * d.MAX_LINKS,
        attendance_mode="mixed",
        online_url=url,
        facilities=[d.Facility(id=WIDE * d.MAX_TERM_ID_CHARS, label=short)] * d.MAX_FACILITIES,
        organizer=d.Contact(
            name=WIDE * d.MAX_TRANSLATED_NAME_CHARS,
            url=url,
            emails=[short] * d.MAX_LINKS,
            phones=[short] * d.MAX_LINKS,
        ),
        performers=[short] * d.MAX_PERFORMERS,
    )


def test_the_largest_activity_s_event_fits_in_one_kafka_request() -> None:
    activity = largest_activity()
    assert limits.activity_beyond(activity) is None  # within every limit, at each maximum
    assert activity.location.unresolved_reason is not None

    payload = ActivityUpdated.model_validate(to_snapshot(activity).model_dump())
    event = CATALOG.new_event(payload, source=SOURCE)  # as catalogue._announce builds it
    key, value, headers = event.to_kafka()  # as the relay sends it
    size = len(key) + len(value) + sum(len(name) + len(raw) for name, raw in headers)

    assert size > 500_000  # the test really builds a large one (511,056 bytes)
    assert size < BUDGET
    assert len(event.to_json().encode()) < BUDGET  # the outbox row and a dead letter


def test_one_more_of_anything_is_beyond_the_limits() -> None:
    """The largest activity above is the largest the reader lets through."""
    activity = largest_activity()
    one_more = [
        replace(activity, occurrences=(*activity.occurrences, Occurrence(LATEST))),
        replace(activity, name=activity.name + "x"),
        replace(activity, theme_ids=(*activity.theme_ids, "x")),
        replace(activity, type_ids=(activity.type_ids[0] + "x",)),
        replace(activity, workflow_status=WIDE * (MAX_CODE_CHARS + 1)),
        replace(activity, location=replace(activity.location, locality="x" * 1001)),
        replace(activity, location=replace(activity.location, street_address="x" * 301)),
    ]

    assert all(limits.activity_beyond(bigger) is not None for bigger in one_more)


def test_a_document_with_more_details_than_bounded_is_read_within_the_bounds(
    load_event: LoadEvent,
) -> None:
    """Partner details beyond their bounds are cut or shortened, never quarantined, and
    what the reader keeps is within the largest activity above."""
    many = 50
    document = load_event("original") | {
        "name": dict.fromkeys(d.LANGUAGES, "N" * 500),
        "description": dict.fromkeys(d.LANGUAGES, "<p>" + "woord " * 5000 + "</p>"),
        "mediaObject": [
            {"@type": "schema:ImageObject", "contentUrl": f"https://img.be/{n}.jpg"}
            for n in range(many)
        ],
        "priceInfo": [
            {"category": "tariff", "price": n, "name": {"nl": "P" * 500}} for n in range(many)
        ],
        "terms": [{"id": f"3.{n}.0.0.0", "domain": "facility", "label": "F"} for n in range(many)],
        "sameAs": [f"https://www.uitinvlaanderen.be/agenda/e/x/{n}" for n in range(many)],
        "performer": [{"name": f"P{n}"} for n in range(many)],
        "status": {"type": "Unavailable", "reason": {"nl": "R" * 5_000}},
    }

    details = read_event(document).details

    assert details is not None
    assert details.names is not None and details.names.nl is not None
    assert len(details.names.nl) == d.MAX_TRANSLATED_NAME_CHARS
    assert details.descriptions is not None and details.description_cut
    assert all(
        0 < len(details.descriptions.get(language) or "") <= d.MAX_DESCRIPTION_CHARS
        for language in d.LANGUAGES
    )
    assert (len(details.images), len(details.same_as), len(details.facilities)) == (
        d.MAX_IMAGES,
        d.MAX_LINKS,
        d.MAX_FACILITIES,
    )
    assert details.price is not None and len(details.price.categories) == d.MAX_PRICES
    assert len(details.performers) == d.MAX_PERFORMERS
    assert details.status_reason is not None
    assert len(details.status_reason.nl or "") == d.MAX_SHORT_TEXT_CHARS
