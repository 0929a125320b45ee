"""The gateway's response cache (ADR 0016) on the whole platform: real Kafka, PostgreSQL and
the nine processes of tests/e2e/harness.py.

Proves: a persisted partner query is answered from the cache (`Cache-Status: ...; hit`, the
same data); when the activity changes (a new signed UiTdatabank document through the webhook)
the gateway shows the change within 1 s of its event's time in Kafka, and never the old
answer after that; a second partner key gets the shared answer with its own budget figures,
never the first key's; a query with an ops field is never cached. The registry's academies
reach the activities service through its own handler (see the test), the rest is the
platform's own path: webhook, delivery worker, outbox relay, Kafka, the gateway's feed.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import date
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from activities.config import DEV_WEBHOOK_SECRET
from conftest import fresh_database
from gateway.config import DEV_PARTNER_KEY
from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.eventing.kafka import cluster_metadata
from stemkit.eventing.kafka_security import connection_options
from tests.browser.seed import LEUVEN_CODEERT, Planned
from tests.e2e.harness import SERVICES_WITH_DB, Platform
from tests.e2e.test_slice import eventually
from tools.send_webhook import signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

SECOND_KEY = "second-partner-key-for-the-cache-test-0001"
QUERY = "query($id: ID!) { activity(id: $id) { id name academy { name } } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
PLANNED = Planned(LEUVEN_CODEERT, "2026-11-14", "3000", "Leuven", "Cachekamp Leuven")
WITHIN = 1.0  # seconds from the event to the change showing


@pytest.fixture
async def platform(kafka_bootstrap_servers: str) -> AsyncIterator[Platform]:
    async with AsyncExitStack() as stack:
        urls = {s: await stack.enter_async_context(fresh_database()) for s in SERVICES_WITH_DB}
        running = Platform(kafka=kafka_bootstrap_servers, database_urls=urls)
        running.extra_env["GATEWAY_PARTNER_API_KEYS"] = f"{DEV_PARTNER_KEY},{SECOND_KEY}"
        try:
            await asyncio.to_thread(running.start)
            await running.wait_healthy(within=180)
            yield running
        finally:
            running.stop()


def persisted(variables: dict[str, Any]) -> dict[str, str]:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": HASH}}
    return {"extensions": json.dumps(extensions), "variables": json.dumps(variables)}


async def ask(client: httpx.AsyncClient, platform: Platform, key: str) -> httpx.Response:
    """The persisted query by GET, as a partner page or the embedded calendar asks it."""
    return await client.get(
        f"{platform.url('gateway')}/graphql",
        params=persisted({"id": PLANNED.activity_id}),
        headers={"X-API-Key": key, "Accept": "application/json"},
    )


async def deliver(client: httpx.AsyncClient, platform: Platform, document: dict[str, Any]) -> None:
    body = json.dumps(document)
    response = await client.post(
        f"{platform.url('activities')}/webhooks/uitdatabank",
        content=body,
        headers=signed_headers(DEV_WEBHOOK_SECRET, body),
    )
    assert response.status_code == 202, response.text


async def test_a_change_shows_within_a_second_and_scopes_stay_apart(platform: Platform) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        # The registry's academies and Leuven handed to the activities service's own handler
        # on its database: the shared test broker's `activities` group is split among the
        # platforms other runs start at the same time, so its consumer may never see them.
        academies = await client.get(
            f"{platform.url('registry')}/academies",
            params={"limit": 100},
            headers=platform.caller_headers("cli"),
        )
        assert academies.status_code == 200, academies.text
        await _registry_at_activities(platform, academies.json())
        document = PLANNED.document()
        await deliver(client, platform, document)
        register = {
            "query": QUERY,
            "variables": {"id": PLANNED.activity_id},
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": HASH}},
        }

        async def listed() -> str | None:
            response = await client.post(
                f"{platform.url('gateway')}/graphql",
                json=register,
                headers={"X-API-Key": DEV_PARTNER_KEY},
            )
            found = (response.json().get("data") or {}).get("activity")
            return found["name"] if found else None

        assert await eventually(listed, "the activity in GraphQL") == PLANNED.name

        async def a_hit() -> httpx.Response | None:
            response = await ask(client, platform, DEV_PARTNER_KEY)
            assert response.status_code == 200, response.text
            return response if response.headers["cache-status"].endswith("hit") else None

        # The gateway's change feed is up and current: answers come from the cache.
        hit = await eventually(a_hit, "an answer from the cache", within=60)
        assert hit.json()["data"]["activity"]["name"] == PLANNED.name
        etag = hit.headers["etag"]

        # Another key of the same scope gets the same data, with its own budget figures (its
        # bucket is untouched: full less this query's cost).
        theirs = await ask(client, platform, SECOND_KEY)
        assert theirs.json()["data"] == hit.json()["data"]
        cost = theirs.json()["extensions"]["cost"]
        assert cost["remaining"] == cost["limit"] - cost["requested"]
        assert theirs.headers["x-ratelimit-remaining"] == str(cost["remaining"])

        # The change, timed by its event in Kafka.
        renamed = copy.deepcopy(document)
        renamed["name"] = {"nl": "Cachekamp Leuven (verplaatst)"}
        renamed["modified"] = "2026-11-15T09:00:00+01:00"  # newer than the first
        reader = AIOKafkaConsumer(
            bootstrap_servers=platform.kafka, group_id=None, **connection_options()
        )
        await reader.start()
        try:
            metadata = await cluster_metadata(reader)
            partitions = [
                TopicPartition(ACTIVITY_TOPIC, n)
                for n in sorted(metadata.partitions_for_topic(ACTIVITY_TOPIC) or [])
            ]
            assert partitions
            reader.assign(partitions)
            await reader.seek_to_end(*partitions)
            for tp in partitions:
                await reader.position(tp)
            answers: list[tuple[float, str, str]] = []
            stop = asyncio.Event()

            async def watch() -> None:
                while not stop.is_set():
                    asked = time.time()  # an answer is as new as its question, not its arrival
                    response = await ask(client, platform, DEV_PARTNER_KEY)
                    assert response.status_code in (200, 304), response.text
                    name = response.json()["data"]["activity"]["name"]
                    answers.append((asked, name, response.headers["cache-status"]))
                    await asyncio.sleep(0.05)

            watcher = asyncio.create_task(watch())
            try:
                await deliver(client, platform, renamed)
                event_at = await _event_time(reader, PLANNED.activity_id)
                await asyncio.sleep(WITHIN + 1.0)
                stop.set()
                await watcher
            finally:
                watcher.cancel()
        finally:
            await reader.stop()

        new_name = renamed["name"]["nl"]
        before = [a for a in answers if a[0] < event_at]
        late = [a for a in answers if a[0] > event_at + WITHIN]
        assert any(status.endswith("hit") for _, _, status in before), before
        assert late, "no answer asked more than a second after the event"
        stale = [a for a in late if a[1] != new_name]
        assert not stale, f"old answers after {WITHIN} s: {stale}"
        shown = min(at for at, name, _ in answers if name == new_name)
        assert shown - event_at <= WITHIN

        # The old validator no longer matches: the changed answer comes whole.
        changed = await client.get(
            f"{platform.url('gateway')}/graphql",
            params=persisted({"id": PLANNED.activity_id}),
            headers={"X-API-Key": DEV_PARTNER_KEY, "If-None-Match": etag},
        )
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag

        # A query asking an ops field runs every time, never from the cache.
        ops = (
            f'{{ activity(id: "{PLANNED.activity_id}") {{ name }} '
            "deadLetters(service: SUBSIDY) { reason } }"
        )
        ops_hash = hashlib.sha256(ops.encode()).hexdigest()
        body = {
            "query": ops,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": ops_hash}},
        }
        headers = platform.caller_headers("ops")
        await client.post(f"{platform.url('gateway')}/graphql", json=body, headers=headers)
        for _ in range(2):
            again = await client.post(
                f"{platform.url('gateway')}/graphql",
                json={"extensions": body["extensions"]},
                headers=headers,
            )
            assert "cache-status" not in again.headers


async def _registry_at_activities(platform: Platform, academies: list[dict[str, Any]]) -> None:
    from activities.bootstrap import open_database
    from activities.config import Settings
    from activities.service_layer.handlers import handle_event as handle_registry_event
    from stemkit.contracts import CATALOG
    from stemkit.contracts.registry import AcademyRegistered, MunicipalityDefined

    saved = os.environ.get("ACTIVITIES_DATABASE_URL")
    os.environ["ACTIVITIES_DATABASE_URL"] = platform.database_urls["activities"]
    try:
        database = open_database(Settings())
    finally:
        if saved is None:
            os.environ.pop("ACTIVITIES_DATABASE_URL")
        else:
            os.environ["ACTIVITIES_DATABASE_URL"] = saved
    leuven = MunicipalityDefined(
        nis_code="24062",
        name_nl="Leuven",
        province_nl="Vlaams-Brabant",
        valid_from=date(2019, 1, 1),
        postal_codes=["3000"],
    )
    events: list[Any] = [leuven]
    events += [
        AcademyRegistered(
            academy_id=a["id"], name=a["name"], uit_organizer_ids=a["uit_organizer_ids"]
        )
        for a in academies
        if a["uit_organizer_ids"]
    ]
    try:
        for payload in events:
            async with database.session_factory.begin() as session:
                await handle_registry_event(
                    session, CATALOG.new_event(payload, source="/stem/registry")
                )
    finally:
        await database.dispose()


async def _event_time(reader: Any, activity_id: str) -> float:
    """The Kafka timestamp (s) of the first event about `activity_id` after the reader's start."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        batch = await reader.getmany(timeout_ms=200)
        for records in batch.values():
            for record in records:
                if activity_id.encode() in (record.key or b"") + (record.value or b""):
                    return float(record.timestamp) / 1000
    raise AssertionError("no event of the changed activity in 90 s")
