"""iCalendar and JSON-LD feeds: parsed back, filtered, keyed, cached (ETag, Last-Modified)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from icalendar import Calendar


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
    assert str(first["location"]) == "De Krook, 9000 Gent"
    assert str(first["description"]) == "Door [DEMO] Academy 1"


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
