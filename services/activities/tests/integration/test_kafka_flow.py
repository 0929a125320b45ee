"""On real Kafka and PostgreSQL: the webhook, the worker, the poller, the registry
consumer and the outbox relay running together, the way the processes do.

webhook -> event; poller -> event; place change -> re-resolved municipality; organizer
linked later -> activity linked. Registry events arrive over Kafka; activity events are
read back from `stem.activities.activity.v1`.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import BaseModel

from activities.adapters.poll_state import linked_organizer_ids
from activities.adapters.registry_copy import municipalities_with_postal_code
from activities.adapters.uit_client import UitClient
from activities.bootstrap import migrate
from activities.config import Settings
from activities.entrypoints.api import create_app
from activities.service_layer import poller
from activities.service_layer.handlers import handle_event as handle_registry_event
from activities.service_layer.processing import run_worker
from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.contracts.registry import AcademyRegistered, MunicipalityDefined
from stemkit.eventing import CloudEvent
from stemkit.eventing.consumer import EventConsumer
from stemkit.eventing.kafka import KafkaPublisher, make_consumer, make_producer
from stemkit.eventing.relay import OutboxRelay
from tools.send_webhook import signed_headers
from tools.uitdatabank_standin.app import create_standin
from tools.uitdatabank_standin.store import Store

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uitdatabank"
SECRET = "whsec_" + base64.b64encode(b"first-secret-for-the-tests-0001").decode()
BASE = "http://uit.test"
ORIGINAL = (FIXTURES / "udb3-search-service__original.json").read_text(encoding="utf-8")


@dataclass
class Platform:
    webhook: httpx.AsyncClient
    uit: UitClient
    store: Store
    sessions: Any
    registry_topic: str
    bootstrap: str
    seen: list[CloudEvent]

    async def post(self, document: dict[str, Any]) -> None:
        body = json.dumps(document)
        response = await self.webhook.post(
            "/webhooks/uitdatabank", content=body, headers=signed_headers(SECRET, body)
        )
        assert response.status_code == 202, response.text

    async def registry(self, *payloads: BaseModel) -> None:
        producer = make_producer(self.bootstrap, client_id="test-registry")
        await producer.start()
        try:
            for payload in payloads:
                key, value, headers = CATALOG.new_event(payload, source="/test").to_kafka()
                await producer.send_and_wait(
                    self.registry_topic, value=value, key=key, headers=headers
                )
        finally:
            await producer.stop()

    async def wait_for(self, match: Callable[[CloudEvent], bool], what: str) -> CloudEvent:
        for _ in range(300):
            for event in self.seen:
                if match(event):
                    return event
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {what} on {ACTIVITY_TOPIC} within 30 s")


@pytest.fixture
async def platform(kafka_bootstrap_servers: str, pg_database_url: str) -> AsyncIterator[Platform]:
    settings = Settings(database_url=pg_database_url, webhook_secrets=[SECRET])
    await asyncio.to_thread(migrate, settings)
    registry_topic = f"t-{uuid.uuid4().hex[:8]}.registry"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    await admin.create_topics([NewTopic(registry_topic, 1, 1)])
    app = create_app(settings)
    sessions = app.state.database.session_factory
    store = Store.from_folder(FIXTURES / "organizers")
    standin = httpx.AsyncClient(transport=httpx.ASGITransport(create_standin(store)), base_url=BASE)
    uit = UitClient(standin, backoff=0.01, hosts=["uit.test"], allow_http=True)
    stop = asyncio.Event()
    publisher = KafkaPublisher(kafka_bootstrap_servers, client_id="test-relay")
    consumer = EventConsumer(
        name=f"activities-{uuid.uuid4().hex[:6]}",
        topics=[registry_topic],
        bootstrap_servers=kafka_bootstrap_servers,
        session_factory=sessions,
        handler=handle_registry_event,
        dead_letter_topic="stem.activities.dlq.v1",
    )
    seen: list[CloudEvent] = []
    reader = make_consumer(kafka_bootstrap_servers, group_id=f"test-{uuid.uuid4().hex[:8]}")

    async def read() -> None:
        await reader.start()
        reader.subscribe([ACTIVITY_TOPIC])
        while not stop.is_set():
            for records in (await reader.getmany(timeout_ms=200)).values():
                for r in records:
                    seen.append(CloudEvent.from_kafka(r.key, r.value, list(r.headers)))

    tasks = [
        asyncio.create_task(
            OutboxRelay(service="activities", session_factory=sessions, publisher=publisher).run(
                stop
            )
        ),
        asyncio.create_task(consumer.run(stop)),
        asyncio.create_task(run_worker(sessions, uit, stop, idle=0.05)),
        asyncio.create_task(read()),
    ]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://a") as web:
        try:
            yield Platform(web, uit, store, sessions, registry_topic, kafka_bootstrap_servers, seen)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
            await reader.stop()
            await publisher.stop()
            await standin.aclose()
            await app.state.database.dispose()
            await admin.delete_topics([registry_topic])
            await admin.close()


def event(n: str, *, organizer: str | None = None, postal: str = "3000") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ORIGINAL)
    document["@id"] = f"https://io.uitdatabank.be/events/{n}"
    document["modified"] = datetime.now(UTC).isoformat()
    document["location"]["@id"] = f"https://io.uitdatabank.be/places/{uuid.uuid4()}"
    document["location"]["address"]["nl"]["postalCode"] = postal
    if organizer:
        document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{organizer}"}
    return document


def of(activity_id: str, kind: str) -> Callable[[CloudEvent], bool]:
    return lambda e: e.subject == activity_id and e.type.endswith(f"{kind}.v1")


async def test_webhook_to_event(platform: Platform) -> None:
    activity_id = str(uuid.uuid4())
    await platform.post(event(activity_id))

    published = await platform.wait_for(of(activity_id, "published"), "ActivityPublished")
    assert published.data["name"] == "Punkfest"


async def test_poller_to_event(platform: Platform) -> None:
    organizer, activity_id = str(uuid.uuid4()), str(uuid.uuid4())
    await platform.registry(
        AcademyRegistered(academy_id="acad-p", name="P", uit_organizer_ids=[organizer])
    )
    for _ in range(100):
        async with platform.sessions() as session:
            if organizer in await linked_organizer_ids(session):
                break
        await asyncio.sleep(0.1)
    platform.store.put(event(activity_id, organizer=organizer) | {"workflowStatus": "APPROVED"})

    await poller.poll_all(platform.sessions, platform.uit, BASE)

    published = await platform.wait_for(of(activity_id, "published"), "polled ActivityPublished")
    assert published.data["academy_id"] == "acad-p"


async def test_place_change_re_resolves_the_municipality(
    platform: Platform, municipality: Callable[..., MunicipalityDefined]
) -> None:
    await platform.registry(
        municipality("24062", "Leuven", "3000"), municipality("24055", "Kortenberg", "3070")
    )
    activity_id = str(uuid.uuid4())
    document = event(activity_id)
    for _ in range(100):  # the municipalities first, so that the first event has one
        async with platform.sessions() as session:
            if await municipalities_with_postal_code(session, "3070"):
                break
        await asyncio.sleep(0.1)
    await platform.post(document)
    first = await platform.wait_for(of(activity_id, "published"), "ActivityPublished")
    assert first.data["location"]["nis_code"] == "24062"

    place = copy.deepcopy(document["location"])
    place["address"]["nl"] |= {"postalCode": "3070", "addressLocality": "Kortenberg"}
    place["modified"] = datetime.now(UTC).isoformat()
    await platform.post(place)

    updated = await platform.wait_for(of(activity_id, "updated"), "ActivityUpdated")
    assert updated.data["location"]["nis_code"] == "24055"


async def test_an_organizer_linked_later_links_the_activity(platform: Platform) -> None:
    organizer, activity_id = str(uuid.uuid4()), str(uuid.uuid4())
    await platform.post(event(activity_id, organizer=organizer))
    first = await platform.wait_for(of(activity_id, "published"), "ActivityPublished")
    assert first.data["academy_id"] is None

    await platform.registry(
        AcademyRegistered(academy_id="acad-l", name="L", uit_organizer_ids=[organizer.upper()])
    )

    updated = await platform.wait_for(of(activity_id, "updated"), "ActivityUpdated")
    assert updated.data["academy_id"] == "acad-l"
