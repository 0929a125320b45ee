"""iCalendar and JSON-LD feeds: parsed back, filtered, keyed, cached (ETag, Last-Modified)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]
from icalendar import Calendar

BRUSSELS = ZoneInfo("Europe/Brussels")


async def feed(gateway: httpx.AsyncClient, path: str, **params: str) -> httpx.Response:
    return await gateway.get(f"/feeds/{path}", params=params)


async def test_ical_parses_back(gateway: httpx.AsyncClient, partner_key: str) -> None:
    response = await feed(
        gateway, "activities.ics", key=partner_key, academy_id="acad-1", limit="5"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")

    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert str(calendar["prodid"]) == "-//VLAIO//STEM-kalender//NL"
    assert len(events) == 5
    first = events[0]
    assert str(first["uid"]) == "act-1-0@stem-kalender"
    assert str(first["summary"]) == "Robots bouwen 1"
    assert first.decoded("dtstart") == datetime(2024, 4, 2, 13, 0, tzinfo=UTC)
    assert str(first["status"]) == "CONFIRMED"
    assert str(first["location"]) == "De Krook, Miriam Makebaplein 1, 9000 Gent"
    assert str(first["url"]) == "https://www.uitinvlaanderen.be/agenda/e/robots-bouwen-1/act-1"
    assert first.decoded("geo") == (51.0486, 3.7273)
    assert str(first["description"]) == (
        "Bouw een robot.\n\nVoor 6 tot 12 jaar.\n\nDoor [DEMO] Academy 1\n\n"
        "https://www.uitinvlaanderen.be/agenda/e/robots-bouwen-1/act-1"
    )
    assert str(events[1]["description"]) == "Door [DEMO] Academy 1"  # act-4: no details


async def test_jsonld_is_schema_org_events(gateway: httpx.AsyncClient, partner_key: str) -> None:
    response = await feed(
        gateway, "activities.jsonld", key=partner_key, theme_id="theme-3", limit="2"
    )
    assert response.headers["content-type"] == "application/ld+json"
    body = response.json()
    assert body["@context"] == "https://schema.org"
    event = body["@graph"][0]
    assert event["@type"] == "Event"
    assert event["name"] == "Robots bouwen 111"  # (start, id) order: act-111 < act-15 < act-3
    assert event["startDate"] == "2024-03-02T14:00:00+01:00"
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["location"]["address"]["postalCode"] == "9000"
    assert event["organizer"] == {"@type": "Organization", "name": "[DEMO] Academy 0"}
    assert event["typicalAgeRange"] == "12-18"


async def test_filters_apply(gateway: httpx.AsyncClient, partner_key: str) -> None:
    response = await feed(
        gateway, "activities.jsonld", key=partner_key, province="Antwerpen", age="15", q="bouwen 1"
    )
    names = {e["name"] for e in response.json()["@graph"]}
    assert names and all(int(n.split()[-1]) % 2 == 1 for n in names)
    assert all(n.split()[-1].startswith("1") for n in names)


async def test_the_key_may_be_a_header(gateway: httpx.AsyncClient, partner_key: str) -> None:
    response = await gateway.get("/feeds/activities.ics", headers={"X-API-Key": partner_key})
    assert response.status_code == 200


@pytest.mark.parametrize("params", [{}, {"key": "wrong"}], ids=["none", "unknown"])
async def test_a_key_is_required(gateway: httpx.AsyncClient, params: dict[str, str]) -> None:
    assert (await feed(gateway, "activities.ics", **params)).status_code == 401


async def test_etag_and_last_modified(gateway: httpx.AsyncClient, partner_key: str) -> None:
    first = await feed(gateway, "activities.ics", key=partner_key, academy_id="acad-2")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert modified == "Mon, 01 Jan 2024 00:59:00 GMT"

    again = await gateway.get(
        "/feeds/activities.ics",
        params={"key": partner_key, "academy_id": "acad-2"},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304 and not again.content
    assert again.headers["ETag"] == etag

    since = await gateway.get(
        "/feeds/activities.ics",
        params={"key": partner_key, "academy_id": "acad-2"},
        headers={"If-Modified-Since": modified},
    )
    assert since.status_code == 304

    other = await gateway.get(
        "/feeds/activities.ics",
        params={"key": partner_key, "academy_id": "acad-1"},
        headers={"If-None-Match": etag},
    )
    assert other.status_code == 200 and other.headers["ETag"] != etag


async def test_an_upstream_down_is_a_503(
    gateway: httpx.AsyncClient, partner_key: str, down: set[str]
) -> None:
    down.add("activities")
    assert (await feed(gateway, "activities.ics", key=partner_key)).status_code == 503


# Google Search Central, "Event (Event, EducationEvent) structured data", required and
# recommended properties (https://developers.google.com/search/docs/appearance/structured-data/event,
# read 2026-12): the feed gives each where the activity has it. `previousStartDate` is only
# for a rescheduled event, which UiTdatabank does not record, so it is left out.
GOOGLE_REQUIRED = ("name", "startDate", "location")
GOOGLE_RECOMMENDED = (
    "description",
    "endDate",
    "eventAttendanceMode",
    "eventStatus",
    "image",
    "offers",
    "organizer",
    "performer",
)
GOOGLE_PLACE = ("address",)  # Place: address required; name recommended
GOOGLE_ADDRESS = ("streetAddress", "addressLocality", "postalCode", "addressCountry")
GOOGLE_OFFER = ("availability", "price", "priceCurrency", "url", "validFrom")
GOOGLE_ORGANIZER = ("name", "url")
SCHEMA_ORG = "https://schema.org/"


def check_google_event(event: dict[str, Any]) -> list[str]:
    """What an event lacks or gets wrong of Google's list (empty: nothing)."""
    problems = [f"no {p}" for p in GOOGLE_REQUIRED if not event.get(p)]
    problems += [f"{p} is null" for p, v in event.items() if v is None]
    for key in ("startDate", "endDate"):
        if key in event and datetime.fromisoformat(event[key]).utcoffset() is None:
            problems.append(f"{key} without an offset")
    places = event["location"] if isinstance(event["location"], list) else [event["location"]]
    for place in places:
        if place["@type"] == "VirtualLocation":
            problems += [] if place.get("url") else ["a VirtualLocation without url"]
            continue
        problems += [f"location without {p}" for p in GOOGLE_PLACE if not place.get(p)]
        problems += [
            f"address without {p}"
            for p in ("addressLocality", "addressCountry")
            if not place["address"].get(p)
        ]
    if not str(event.get("eventStatus", SCHEMA_ORG)).startswith(SCHEMA_ORG):
        problems.append("eventStatus is not a schema.org EventStatusType")
    if not str(event.get("eventAttendanceMode", SCHEMA_ORG)).startswith(SCHEMA_ORG):
        problems.append("eventAttendanceMode is not a schema.org EventAttendanceModeEnumeration")
    return problems


async def test_every_event_has_what_google_requires(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    response = await feed(gateway, "activities.jsonld", key=partner_key, limit="200")

    events = response.json()["@graph"]
    assert len(events) > 100
    assert {e["identifier"]: check_google_event(e) for e in events if check_google_event(e)} == {}


async def test_an_activity_with_details_has_every_recommended_property(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    response = await feed(gateway, "activities.jsonld", key=partner_key, academy_id="acad-1")

    event = next(e for e in response.json()["@graph"] if e["identifier"] == "act-1")
    assert [p for p in (*GOOGLE_REQUIRED, *GOOGLE_RECOMMENDED) if p not in event] == []
    assert event["startDate"] == "2024-04-02T15:00:00+02:00"  # summer time in Brussels
    assert event["endDate"] == "2024-04-02T17:00:00+02:00"
    assert event["location"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Miriam Makebaplein 1",
        "postalCode": "9000",
        "addressLocality": "Gent",
        "addressCountry": "BE",
    }
    assert [p for p in GOOGLE_ADDRESS if p not in event["location"]["address"]] == []
    assert event["location"]["geo"]["latitude"] == 51.0486
    assert event["eventAttendanceMode"] == SCHEMA_ORG + "OfflineEventAttendanceMode"
    assert event["image"] == ["https://images.uitdatabank.be/robot.jpg"]
    assert event["description"] == "Bouw een robot.\n\nVoor 6 tot 12 jaar."
    assert [p for p in GOOGLE_OFFER if p not in event["offers"]] == []
    assert event["offers"] | {"validFrom": None} == {
        "@type": "Offer",
        "url": "https://tickets.example.be/robots",
        "price": 12.5,
        "priceCurrency": "EUR",
        "availability": SCHEMA_ORG + "InStock",
        "validFrom": None,
    }
    assert [p for p in GOOGLE_ORGANIZER if p not in event["organizer"]] == []
    assert event["organizer"]["name"] == "[DEMO] Academy 1"
    assert event["organizer"]["url"] == "https://academie.example"  # the academy has none
    assert event["performer"] == [{"@type": "Person", "name": "Robotjuf An"}]


async def test_the_feed_language_picks_the_texts(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    response = await feed(
        gateway, "activities.jsonld", key=partner_key, academy_id="acad-1", lang="fr"
    )

    event = next(e for e in response.json()["@graph"] if e["identifier"] == "act-1")
    assert (event["name"], event["description"]) == (
        "Construire des robots 1",
        "Construis un robot.",
    )


async def test_a_weekly_course_is_sessions_in_jsonld_and_an_rrule_in_ical(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    """act-2: Wednesdays 14:00-16:00 from 4 Sept to 30 Oct 2024, closed on 2 Oct."""
    jsonld = await feed(gateway, "activities.jsonld", key=partner_key, academy_id="acad-2")
    sessions = [e for e in jsonld.json()["@graph"] if e["identifier"] == "act-2"]
    assert [e["startDate"] for e in sessions][:3] == [
        "2024-09-04T14:00:00+02:00",
        "2024-09-11T14:00:00+02:00",
        "2024-09-18T14:00:00+02:00",
    ]
    assert len(sessions) == 8  # 9 Wednesdays, one closed
    assert "2024-10-02T14:00:00+02:00" not in {e["startDate"] for e in sessions}
    assert sessions[-1]["startDate"] == "2024-10-30T14:00:00+01:00"  # winter time

    ics = await feed(gateway, "activities.ics", key=partner_key, academy_id="acad-2")
    calendar = Calendar.from_ical(ics.content)
    course = next(e for e in calendar.walk("VEVENT") if str(e["uid"]).startswith("act-2-"))
    assert course.decoded("dtstart") == datetime(2024, 9, 4, 14, tzinfo=BRUSSELS)
    assert course.decoded("dtend") == datetime(2024, 9, 4, 16, tzinfo=BRUSSELS)
    rule: Any = course["rrule"]
    exdates: Any = course["exdate"]
    assert (rule["FREQ"], rule["BYDAY"]) == (["WEEKLY"], ["WE"])
    assert [d.dt for d in exdates.dts] == [datetime(2024, 10, 2, 14, tzinfo=BRUSSELS)]
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    start = course.decoded("dtstart")
    rule_text = rule.to_ical().decode()
    held = [
        d for d in rrulestr(rule_text, dtstart=start) if d not in {start.replace(day=2, month=10)}
    ]
    assert [d.date() for d in held] == [
        date(2024, 9, 4) + timedelta(weeks=n) for n in range(9) if n != 4
    ]


async def test_the_ical_feed_validates(gateway: httpx.AsyncClient, partner_key: str) -> None:
    """RFC 5545: the parser's strict mode reads every component back, and every VEVENT has
    its required UID and DTSTAMP, a DTSTART, and DTEND after it."""
    response = await feed(gateway, "activities.ics", key=partner_key, limit="200")

    calendar = Calendar.from_ical(response.content)
    assert calendar.errors == []
    events = calendar.walk("VEVENT")
    assert len(events) > 100
    for event in events:
        assert event.errors == []
        assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(event)
        if "DTEND" in event:
            assert event.decoded("dtend") > event.decoded("dtstart")
    assert len({str(e["uid"]) for e in events}) == len(events)
