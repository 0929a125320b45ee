"""A quarantine replay's audit event reaches the activities service's audit topic on the
real broker (issue 21): the replay's transaction stages the `ChangeAudited` event, the
outbox relay publishes it, and a plain Kafka reader finds it keyed by what changed, with the
actor and the reason."""

from __future__ import annotations

import asyncio
import json
import uuid
from contextlib import suppress

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from sqlalchemy import delete

from activities.adapters import delivery_store
from activities.bootstrap import migrate
from activities.config import Settings
from activities.entrypoints.api import create_app
from stemkit.contracts.audit import ACTIVITIES_AUDIT_TOPIC
from stemkit.eventing.kafka import KafkaPublisher
from stemkit.eventing.relay import OutboxRelay
from stemkit.settings import DEV_OPS_TOKEN
from stemkit.storage.db import outbox

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}


async def _end_offsets(bootstrap: str) -> dict[TopicPartition, int]:
    """The audit topic's partitions (created if missing) and their end offsets now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        with suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(ACTIVITIES_AUDIT_TOPIC, 3, 1)])
        (described,) = await admin.describe_topics([ACTIVITIES_AUDIT_TOPIC])
    finally:
        await admin.close()
    partitions = [
        TopicPartition(ACTIVITIES_AUDIT_TOPIC, p["partition"]) for p in described["partitions"]
    ]
    assert partitions
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        found: dict[TopicPartition, int] = await reader.end_offsets(partitions)
        return found
    finally:
        await reader.stop()


async def test_the_audit_event_is_on_the_audit_topic(
    pg_database_url: str, kafka_bootstrap_servers: str
) -> None:
    settings = Settings(
        database_url=pg_database_url, kafka_bootstrap_servers=kafka_bootstrap_servers
    )
    await asyncio.to_thread(migrate, settings)  # Alembic runs its own event loop
    start = await _end_offsets(kafka_bootstrap_servers)
    webhook_id = f"msg_{uuid.uuid4().hex}"
    app = create_app(settings)
    database = app.state.database
    try:
        async with database.session_factory.begin() as session:  # as the worker quarantines
            await delivery_store.record(session, webhook_id, "{}", "poller", error="no name")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://activities"
        ) as api:
            replayed = await api.post(
                "/quarantine/replay",
                json={"webhook_ids": [webhook_id], "reason": "audit on the broker"},
                headers=OPS,
            )
            assert replayed.json() == {"replayed": 1}, replayed.text
        async with database.session_factory.begin() as session:  # only the audit event
            await session.execute(delete(outbox).where(outbox.c.topic != ACTIVITIES_AUDIT_TOPIC))
        publisher = KafkaPublisher(kafka_bootstrap_servers, timeout=10.0)
        relay = OutboxRelay(
            service="activities", session_factory=database.session_factory, publisher=publisher
        )
        try:
            assert await relay.relay_once() == 1
        finally:
            await publisher.stop()
    finally:
        await database.dispose()

    reader = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap_servers, enable_auto_commit=False)
    await reader.start()
    try:
        reader.assign(list(start))
        for partition, offset in start.items():
            reader.seek(partition, offset)
        found = None
        for _ in range(30):
            batch = await reader.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    if record.key == f"quarantine:{webhook_id}".encode():
                        found = record
            if found is not None:
                break
    finally:
        await reader.stop()
    assert found is not None, "no audit event of the replay on the audit topic"
    assert dict(found.headers)["ce_type"] == b"be.vlaio.stem.activities.change_audited.v1"
    data = json.loads(found.value)
    assert (data["service"], data["entity"], data["entity_id"], data["action"]) == (
        "activities",
        "quarantine",
        webhook_id,
        "replayed",
    )
    assert (data["actor"]["subject"], data["reason"]) == ("static:ops", "audit on the broker")
    assert (data["before"]["status"], data["after"]["status"]) == ("quarantined", "received")
