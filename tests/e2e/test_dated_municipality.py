"""Issue 15, item 2, end to end: a 2022 event at "1570 Galmaarden" without coordinates,
posted signed to the activities webhook, is in Galmaarden (23023) for 2022, not in
Pajottegem (23106, the municipality the 2025 postal code table names), and so shows reach
there in GraphQL, on real Kafka and PostgreSQL with every process running.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from activities.config import DEV_WEBHOOK_SECRET
from tests.e2e.harness import Platform
from tests.e2e.test_slice import eventually, graphql, handled_events, platform
from tools.send_webhook import signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]
__all__ = ["platform"]  # the fixture: every process on fresh databases

FIXTURE = Path(__file__).parent / "fixtures" / "academy-event-approved.json"
EVENT_ID = "b3f1e7a2-5c4d-4e8f-9a61-7d2c0e9b1570"
PLACE_ID = "c4a2d8e1-6b3f-4d7a-8e52-1f9b0c7a1570"
GALMAARDEN, PAJOTTEGEM = "23023", "23106"


def galmaarden_2022() -> str:
    """The real fixture (organizer linked to the demo academy Leuven Codeert, recognised
    from October 2022 on) on 16 November 2022 at a place in 1570 Galmaarden, no `geo`."""
    document: dict[str, Any] = json.loads(FIXTURE.read_text())
    document["@id"] = f"http://udb-silex.dev/event/{EVENT_ID}"
    document["name"] = {"nl": "Robotica in Galmaarden"}
    document["startDate"] = "2022-11-16T14:00:00+01:00"
    document["endDate"] = "2022-11-16T16:00:00+01:00"
    document.pop("availableTo", None)
    document["modified"] = "2022-10-01T09:00:00+02:00"
    document["location"] = {
        "@id": f"http://udb-silex.dev/place/{PLACE_ID}",
        "name": {"nl": "Gemeenschapscentrum"},
        "address": {
            "nl": {
                "addressCountry": "BE",
                "addressLocality": "Galmaarden",
                "postalCode": "1570",
                "streetAddress": "Marktplein 1",
            }
        },
    }
    return json.dumps(document)


async def test_a_2022_galmaarden_address_shows_reach_in_galmaarden_for_2022(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        port = platform.metrics_ports["activities-consumer"]

        async def registry_events_consumed() -> float | None:
            platform.assert_running()
            count = await handled_events(client, port, "activities")
            return count if count >= 313 else None

        await eventually(registry_events_consumed, "the registry's events at activities")
        body = galmaarden_2022()
        response = await client.post(
            f"{platform.url('activities')}/webhooks/uitdatabank",
            content=body,
            headers=signed_headers(DEV_WEBHOOK_SECRET, body),
        )
        assert response.status_code == 202, response.text

        query = (
            f'{{ activity(id: "{EVENT_ID}") {{ location {{ nisCode postalCode }} '
            "academy { id } } }"
        )

        async def activity_with_academy() -> dict[str, Any] | None:
            activity = ((await graphql(client, platform, query)).get("data") or {}).get("activity")
            return activity if activity and activity.get("academy") else None

        activity = await eventually(activity_with_academy, "the activity in GraphQL")
        assert activity["location"] == {"nisCode": GALMAARDEN, "postalCode": "1570"}
        reach_query = (
            f'{{ academy(id: "{activity["academy"]["id"]}") {{ '
            "reach(year: 2022) { year nisCode activityIds } } }"
        )

        async def reach_in_2022() -> list[dict[str, Any]] | None:
            academy = ((await graphql(client, platform, reach_query)).get("data") or {}).get(
                "academy"
            ) or {}
            reach = academy.get("reach") or []
            return reach if any(EVENT_ID in r["activityIds"] for r in reach) else None

        reach = await eventually(reach_in_2022, "the event's reach in 2022")
        assert reach == [{"year": 2022, "nisCode": GALMAARDEN, "activityIds": [EVENT_ID]}]
        assert all(r["nisCode"] != PAJOTTEGEM for r in reach)
