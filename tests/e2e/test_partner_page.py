"""A partner builds an activity page from the API alone (issue 18), end to end: a signed
UiTdatabank document with every partner detail goes through the activities webhook, the
activity event and the read API to the gateway's GraphQL (in French, with the Dutch main
language as fallback) and its JSON-LD and iCalendar feeds. The GraphQL answer is the worked
example of docs/partner-activity-page.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from activities.config import DEV_WEBHOOK_SECRET
from gateway.config import DEV_PARTNER_KEY
from tests.e2e.harness import Platform
from tests.e2e.test_slice import eventually, handled_events, platform  # noqa: F401
from tools.send_webhook import signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

DOCUMENT = Path(__file__).parent / "fixtures" / "partner-page-event.json"
ARTIFACT = Path(__file__).parents[2] / "test-artifacts" / "e2e" / "partner-page.json"
ACTIVITY_ID = "5b7a3c1e-8f2d-4e6a-9c0b-1d2e3f4a5b6c"
PAGE = """query Page($id: ID!, $languages: [Language!]) {
  activity(id: $id, languages: $languages) {
    name language languages description descriptionText calendarSummary
    images { url copyrightHolder license description main }
    booking { url urlLabel phone email availableFrom availableTo }
    bookingAvailability
    price { free categories { category name price currency } }
    uitUrl attendanceMode onlineUrl statusReason status
    facilities { id label }
    organizer { name url emails phones }
    location { name streetAddress postalCode locality latitude longitude }
    academy { name }
  }
}"""


async def test_a_partner_page_from_the_api(platform: Platform) -> None:  # noqa: F811
    async with httpx.AsyncClient(timeout=10) as client:
        port = platform.metrics_ports["activities-consumer"]

        async def registry_events_consumed() -> float | None:
            platform.assert_running()
            count = await handled_events(client, port, "activities")
            return count if count >= 313 else None

        # Generous: on a machine shared with other e2e runs the consumer group can take
        # minutes to settle (the slice test's 90 s timed out here under load 15-20).
        await eventually(
            registry_events_consumed, "the registry's events at activities", within=400
        )
        body = DOCUMENT.read_text()
        response = await client.post(
            f"{platform.url('activities')}/webhooks/uitdatabank",
            content=body,
            headers=signed_headers(DEV_WEBHOOK_SECRET, body),
        )
        assert response.status_code == 202, response.text
        partner = {"X-API-Key": DEV_PARTNER_KEY}

        async def page() -> dict[str, Any] | None:
            answer = await client.post(
                f"{platform.url('gateway')}/graphql",
                json={"query": PAGE, "variables": {"id": ACTIVITY_ID, "languages": ["FR"]}},
                headers=partner,
            )
            found: dict[str, Any] | None = (answer.json().get("data") or {}).get("activity")
            return found if found and found.get("academy") else None

        activity = await eventually(page, "the activity page in GraphQL", within=300)
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)  # the docs' worked example
        ARTIFACT.write_text(
            json.dumps({"data": {"activity": activity}}, indent=2, ensure_ascii=False) + "\n"
        )
        assert (activity["name"], activity["language"]) == ("Construis ton propre robot", "FR")
        assert activity["languages"] == ["NL", "FR"]
        assert activity["description"] == (
            "<p>Deux heures pour souder et programmer un robot suiveur de ligne.</p>"
            "<p>De 10 à 14 ans.</p>"
        )
        assert activity["calendarSummary"] == "sam 18 oct 2025, 14:00-16:00"
        assert activity["images"][0]["copyrightHolder"] == "STEM-academie Leuven"
        assert activity["booking"]["urlLabel"] == "Inscris-toi"
        assert activity["price"]["categories"][0] == {
            "category": "BASE",
            "name": "Tarif de base",
            "price": 15.0,
            "currency": "EUR",
        }
        assert activity["uitUrl"].startswith("http://www.uitinvlaanderen.be/agenda/e/")
        assert activity["facilities"] == [{"id": "3.23.1.0.0", "label": "Rolstoeltoegankelijk"}]
        assert activity["organizer"]["emails"] == ["info@stem-leuven.example"]
        assert activity["location"]["streetAddress"] == "Vaartkom 35"
        assert activity["academy"]["name"].startswith("[DEMO] ")

        dutch = await client.post(
            f"{platform.url('gateway')}/graphql",
            json={"query": PAGE, "variables": {"id": ACTIVITY_ID}},
            headers=partner,
        )
        in_dutch = dutch.json()["data"]["activity"]
        assert "<script>" not in in_dutch["description"]
        assert in_dutch["descriptionText"].startswith("Twee uur solderen en programmeren")

        feeds = f"{platform.url('gateway')}/feeds"
        params = {"key": DEV_PARTNER_KEY, "from": "2025-10-18T00:00:00+02:00", "limit": "200"}
        jsonld = (await client.get(f"{feeds}/activities.jsonld", params=params)).json()
        event = next(e for e in jsonld["@graph"] if e["identifier"] == ACTIVITY_ID)
        recommended = ("description", "endDate", "eventAttendanceMode", "eventStatus", "image")
        assert [p for p in ("name", "startDate", "location", *recommended) if p not in event] == []
        assert [p for p in ("offers", "organizer") if p not in event] == []
        assert event["offers"]["price"] == 15.0
        assert event["startDate"] == "2025-10-18T14:00:00+02:00"

        ics = await client.get(f"{feeds}/activities.ics", params=params)
        vevent = next(
            e
            for e in Calendar.from_ical(ics.content).walk("VEVENT")
            if str(e["uid"]).startswith(ACTIVITY_ID)
        )
        assert str(vevent["url"]).startswith("http://www.uitinvlaanderen.be/agenda/e/")
        assert vevent.decoded("geo") == (50.8798, 4.7005)
        assert "Vaartkom 35" in str(vevent["location"])
        assert str(vevent["description"]).startswith("Twee uur solderen en programmeren")
