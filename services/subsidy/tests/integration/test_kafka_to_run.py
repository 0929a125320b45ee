"""From events published on real Kafka to a stored run (real PostgreSQL): the consumer
applies them, the debounced runner stores a run; a rebuild from the same topics gives the
same reach."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import BaseModel
from sqlalchemy import func, select

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityPublished, ActivityWithdrawn, Location, Occurrence
from stemkit.contracts.registry import RecognitionDecided, RoleAssigned
from stemkit.eventing.consumer import EventConsumer
from stemkit.eventing.kafka import make_producer
from stemkit.storage.db import inbox, open_database
from stemkit.storage.migrations import upgrade_to_head
from subsidy.adapters.orm import calculation_runs
from subsidy.adapters.reach_of_academies import reach_of
from subsidy.bootstrap import MIGRATIONS
from subsidy.service_layer.debounce import run_due
from subsidy.service_layer.handlers import handle_event
from subsidy.service_layer.rebuild import rebuild_from_topics

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def topics(kafka_bootstrap_servers: str) -> AsyncIterator[tuple[str, str]]:
    names = (f"t-{uuid.uuid4().hex[:8]}.academy", f"t-{uuid.uuid4().hex[:8]}.activity")
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, 2, 1) for n in names])
        yield names
        await admin.delete_topics(list(names))
    finally:
        await admin.close()


def activity(activity_id: str, postal: str, day: str) -> ActivityPublished:
    """Two weekly sessions from `day`: a traject, which the Uitrollers payment needs."""
    first = datetime.fromisoformat(f"{day}T14:00:00+01:00")
    return ActivityPublished(
        activity_id=activity_id,
        name="Robots",
        academy_id="acad-1",
        occurrences=[Occurrence(start=first), Occurrence(start=first + timedelta(days=7))],
        location=Location(nis_code="24062", postal_code=postal),
        modified=datetime.fromisoformat(f"{day}T00:00:00+00:00"),
    )


async def publish(bootstrap: str, topic: str, payloads: Sequence[BaseModel]) -> None:
    producer = make_producer(bootstrap, client_id="test")
    await producer.start()
    try:
        for payload in payloads:
            key, value, headers = CATALOG.new_event(payload, source="/test").to_kafka()
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_published_events_become_a_stored_run_and_a_rebuild_agrees(
    kafka_bootstrap_servers: str, pg_database_url: str, topics: tuple[str, str]
) -> None:
    academy_topic, activity_topic = topics
    await asyncio.to_thread(upgrade_to_head, pg_database_url, MIGRATIONS)
    database = open_database(pg_database_url)
    registry = [
        RoleAssigned(academy_id="acad-1", year=2023, role="uitroller"),
        RecognitionDecided(
            academy_id="acad-1",
            decision_id="d1",
            status="recognised",
            decided_on=date(2021, 1, 1),
            valid_from=date(2021, 1, 1),
            valid_until=date(2023, 6, 30),
            reason="erkend",
            author="vlaio",
        ),
    ]
    await publish(kafka_bootstrap_servers, academy_topic, registry)
    acts: list[BaseModel] = [
        activity("a1", "3000", "2023-03-01"),
        activity("a2", "3010", "2023-04-01"),
        activity("a3", "3012", "2023-09-01"),  # after the recognition ran out
        ActivityWithdrawn(
            activity_id="a2",
            reason="deleted",
            modified=datetime.fromisoformat("2023-05-01T00:00:00+00:00"),
        ),
    ]
    await publish(kafka_bootstrap_servers, activity_topic, acts)
    stop = asyncio.Event()
    consumer = EventConsumer(
        name=f"subsidy-{uuid.uuid4().hex[:6]}",
        topics=list(topics),
        bootstrap_servers=kafka_bootstrap_servers,
        session_factory=database.session_factory,
        handler=handle_event,
        dead_letter_topic="stem.subsidy.dlq.v1",
    )
    task = asyncio.create_task(consumer.run(stop))
    try:
        for _ in range(240):  # until all six events are applied
            async with database.session_factory() as session:
                applied = await session.scalar(select(func.count()).select_from(inbox))
            if applied == 6:
                break
            await asyncio.sleep(0.25)
        async with database.session_factory() as session:
            reach = await reach_of(session, ["acad-1"], 2023)
        assert [(r.nis_code, r.activity_ids, r.postal_codes) for r in reach] == [
            ("24062", ["a1"], ["3000"])
        ]
        (run_id,) = await run_due(database.session_factory, quiet=0)
    finally:
        stop.set()
        await task
    async with database.session_factory() as session:
        stored = (await session.execute(select(calculation_runs))).one()
    assert stored.run_id == run_id and stored.watermark.startswith("events=6;")
    uitrollers = json.loads(stored.result)["calls"][0]
    assert [(ln["place"], ln["paid"]) for ln in uitrollers["lines"]] == [("3000", "1500")]

    stats = await rebuild_from_topics(database, kafka_bootstrap_servers, list(topics))
    assert (stats.events, stats.activities, stats.proofs) == (6, 3, 1)
    async with database.session_factory() as session:
        assert [r.postal_codes for r in await reach_of(session, ["acad-1"], 2023)] == [["3000"]]
    await database.dispose()
