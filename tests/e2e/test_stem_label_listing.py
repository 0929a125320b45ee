"""Issue 15, item 5, end to end with ACTIVITIES_STEM_LABELS set: an event of an organizer
linked to no academy is listed to partners (GraphQL `activities`) when it carries the
configured STEM label (here a hidden label), still without an academy; the same
organizer's event without it is not listed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from activities.config import DEV_WEBHOOK_SECRET
from conftest import fresh_database
from tests.e2e.harness import SERVICES_WITH_DB, Platform
from tests.e2e.test_slice import ACTIVITY_ID, DOCUMENT, eventually, graphql, handled_events
from tools.send_webhook import signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

LABELLED_ID = "7e57e57e-0000-4000-8000-00000000bb01"
UNLABELLED_ID = "7e57e57e-0000-4000-8000-00000000bb02"
MUSEUM_ORGANIZER = "9a9a9a9a-0000-4000-8000-0000000000bb"  # linked to no academy


@pytest.fixture
async def labelled(kafka_bootstrap_servers: str) -> AsyncIterator[Platform]:
    """Every process on fresh databases, the activities service with a STEM label."""
    async with AsyncExitStack() as stack:
        urls = {s: await stack.enter_async_context(fresh_database()) for s in SERVICES_WITH_DB}
        running = Platform(
            kafka=kafka_bootstrap_servers,
            database_urls=urls,
            extra_env={"ACTIVITIES_STEM_LABELS": "stem-academie"},
        )
        try:
            await asyncio.to_thread(running.start)
            await running.wait_healthy()
            yield running
        finally:
            running.stop()


def museum_event(event_id: str, **labels: list[str]) -> str:
    document: dict[str, Any] = json.loads(DOCUMENT.read_text())
    document["@id"] = f"https://io.uitdatabank.be/events/{event_id}"
    document["name"] = {"nl": f"Museumactiviteit {event_id[-2:]}"}
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{MUSEUM_ORGANIZER}"}
    document.pop("labels", None)
    document.pop("hiddenLabels", None)
    document.update(labels)
    return json.dumps(document)


async def test_an_unlinked_organizers_event_with_the_stem_label_is_listed(
    labelled: Platform,
) -> None:
    platform = labelled
    async with httpx.AsyncClient(timeout=10) as client:
        port = platform.metrics_ports["activities-consumer"]

        async def registry_events_consumed() -> float | None:
            platform.assert_running()
            count = await handled_events(client, port, "activities")
            return count if count >= 313 else None

        await eventually(registry_events_consumed, "the registry's events at activities")
        webhook = f"{platform.url('activities')}/webhooks/uitdatabank"
        bodies = (
            museum_event(UNLABELLED_ID, labels=["UiTPAS"]),
            museum_event(LABELLED_ID, hiddenLabels=["STEM-academie"]),
            DOCUMENT.read_text(),  # the academy's event, last
        )
        for body in bodies:
            response = await client.post(
                webhook, content=body, headers=signed_headers(DEV_WEBHOOK_SECRET, body)
            )
            assert response.status_code == 202, response.text

        listing_query = "{ activities(first: 50) { nodes { id academy { id } } } }"

        async def academys_event_listed() -> list[dict[str, Any]] | None:
            data = (await graphql(client, platform, listing_query)).get("data") or {}
            nodes = (data.get("activities") or {}).get("nodes", [])
            return nodes if any(n["id"] == ACTIVITY_ID for n in nodes) else None

        nodes = await eventually(academys_event_listed, "the academy's event in the listing")
        by_id = {n["id"]: n for n in nodes}
        assert set(by_id) == {ACTIVITY_ID, LABELLED_ID}  # the unlabelled one is not listed
        assert by_id[LABELLED_ID]["academy"] is None  # listed by its label, of no academy
        assert by_id[ACTIVITY_ID]["academy"] is not None
