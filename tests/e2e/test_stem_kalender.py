"""The STEM-kalender lists an activity only when its organizer is linked to an academy
(issue 15, item 5), end to end: two signed UiTdatabank documents through the webhook, one
of a demo academy's organizer and one of an organizer no academy is linked to; the partner
GraphQL `activities` lists the first only, and the ops GraphQL shows the other organizer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from activities.config import DEV_WEBHOOK_SECRET
from tests.e2e.harness import Platform
from tests.e2e.test_slice import (
    ACTIVITY_ID,
    DOCUMENT,
    eventually,
    graphql,
    handled_events,
    platform,
)
from tools.send_webhook import signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]
__all__ = ["platform"]  # the fixture, from the slice's test

MUSEUMPAS_ID = "7e57e57e-0000-4000-8000-00000000aa01"
MUSEUMPAS_ORGANIZER = "9a9a9a9a-0000-4000-8000-0000000000aa"


async def test_only_an_academys_event_is_listed_to_partners(platform: Platform) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        port = platform.metrics_ports["activities-consumer"]

        async def registry_events_consumed() -> float | None:
            platform.assert_running()
            count = await handled_events(client, port, "activities")
            return count if count >= 313 else None

        await eventually(registry_events_consumed, "the registry's events at activities")

        academy_event = DOCUMENT.read_text()
        other = json.loads(academy_event)
        other["@id"] = f"https://io.uitdatabank.be/events/{MUSEUMPAS_ID}"
        other["name"] = {"nl": "Testing Museumpas event"}
        other["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{MUSEUMPAS_ORGANIZER}"}
        webhook = f"{platform.url('activities')}/webhooks/uitdatabank"
        for body in (json.dumps(other), academy_event):
            response = await client.post(
                webhook, content=body, headers=signed_headers(DEV_WEBHOOK_SECRET, body)
            )
            assert response.status_code == 202, response.text

        # The unknown organizer's event was stored (it was sent first): ops see it.
        ops_query = "{ unknownOrganizers(first: 10) { organizerId activities deliveries } }"

        async def unknown_organizers() -> list[dict[str, Any]] | None:
            response = await client.post(
                f"{platform.url('gateway')}/graphql",
                json={"query": ops_query},
                headers=platform.caller_headers("ops"),
            )
            assert response.status_code == 200, response.text
            found = (response.json().get("data") or {}).get("unknownOrganizers") or []
            return found or None

        [unknown] = await eventually(unknown_organizers, "the unknown organizer at ops")
        assert unknown == {
            "organizerId": MUSEUMPAS_ORGANIZER,
            "activities": 1,
            "deliveries": 1,
        }

        listing_query = "{ activities(first: 50) { nodes { id name } } }"

        async def academys_event_listed() -> list[str] | None:
            data = (await graphql(client, platform, listing_query)).get("data") or {}
            ids = [node["id"] for node in (data.get("activities") or {}).get("nodes", [])]
            return ids if ACTIVITY_ID in ids else None

        listed = await eventually(academys_event_listed, "the academy's event in the listing")
        assert MUSEUMPAS_ID not in listed
        assert listed == [ACTIVITY_ID]
