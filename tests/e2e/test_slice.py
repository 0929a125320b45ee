"""The vertical slice, end to end, on real Kafka and PostgreSQL with every process running:
a signed UiTdatabank document posted to the activities webhook is stored with an outbox row,
published, consumed by the subsidy service as reach of the organising academy, and both
come back through the gateway's GraphQL API.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from activities.config import DEV_WEBHOOK_SECRET
from conftest import fresh_database
from gateway.config import DEV_PARTNER_KEY
from tests.e2e.harness import SERVICES_WITH_DB, Platform
from tools.send_webhook import signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

DOCUMENT = Path(__file__).parent / "fixtures" / "academy-event-approved.json"
ACTIVITY_ID = "23017cb7-e515-47b4-87c4-780735acc942"
LEUVEN = "24062"
T = TypeVar("T")


@pytest.fixture
async def platform(kafka_bootstrap_servers: str) -> AsyncIterator[Platform]:
    async with AsyncExitStack() as stack:
        urls = {s: await stack.enter_async_context(fresh_database()) for s in SERVICES_WITH_DB}
        running = Platform(kafka=kafka_bootstrap_servers, database_urls=urls)
        try:
            await asyncio.to_thread(running.start)
            await running.wait_healthy()
            yield running
        finally:
            running.stop()


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, within: float = 90) -> T:
    """Poll until `probe` returns something; the platform is asynchronous by design."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = await probe()
        if result is not None:
            return result
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")


async def handled_events(client: httpx.AsyncClient, metrics_port: int, consumer: str) -> float:
    text = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "stem_events_handled_total" and sample.labels.get("consumer") == consumer
    )


async def graphql(client: httpx.AsyncClient, platform: Platform, query: str) -> dict[str, Any]:
    response = await client.post(
        f"{platform.url('gateway')}/graphql",
        json={"query": query},
        headers={"X-API-Key": DEV_PARTNER_KEY},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_signed_uitdatabank_document_becomes_reach_visible_in_graphql(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        # The activities service must first know the municipalities and academies the
        # registry published (312 municipality rows plus the demo academies).
        port = platform.metrics_ports["activities-consumer"]

        async def registry_events_consumed() -> float | None:
            platform.assert_running()
            count = await handled_events(client, port, "activities")
            return count if count >= 313 else None

        await eventually(registry_events_consumed, "the registry's events at activities")

        body = DOCUMENT.read_text()
        webhook = f"{platform.url('activities')}/webhooks/uitdatabank"
        response = await client.post(
            webhook, content=body, headers=signed_headers(DEV_WEBHOOK_SECRET, body)
        )
        assert response.status_code == 202, response.text

        activity_query = (
            f'{{ activity(id: "{ACTIVITY_ID}") {{ name location {{ nisCode postalCode }} '
            "academy { id name } } }"
        )

        async def activity_with_academy() -> dict[str, Any] | None:
            data = (await graphql(client, platform, activity_query)).get("data") or {}
            activity = data.get("activity")
            return activity if activity and activity.get("academy") else None

        activity = await eventually(activity_with_academy, "the activity in GraphQL")
        assert activity["name"] == json.loads(body)["name"]["nl"]
        assert activity["location"] == {"nisCode": LEUVEN, "postalCode": "3000"}
        assert activity["academy"]["name"].startswith("[DEMO] ")

        reach_query = (
            f'{{ academy(id: "{activity["academy"]["id"]}") {{ name '
            "reach(year: 2025) { year nisCode activityIds } } }"
        )

        async def reach_of_leuven() -> list[dict[str, Any]] | None:
            data = (await graphql(client, platform, reach_query)).get("data") or {}
            reach = (data.get("academy") or {}).get("reach") or []
            return reach if any(r["nisCode"] == LEUVEN for r in reach) else None

        reach = await eventually(reach_of_leuven, "the academy's reach in GraphQL")
        assert reach == [{"year": 2025, "nisCode": LEUVEN, "activityIds": [ACTIVITY_ID]}]
