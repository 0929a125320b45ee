"""An audit entry reaches the registry's audit topic on the real broker (issue 21): the
write's transaction stages the `ChangeAudited` event, the outbox relay publishes it, and a
plain Kafka reader finds it keyed by the academy, with the actor and the reason."""

from __future__ import annotations

import json
from contextlib import suppress

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from sqlalchemy import delete

from registry.config import Settings
from registry.entrypoints.api import create_app, database_of
from stemkit.contracts.audit import REGISTRY_AUDIT_TOPIC
from stemkit.eventing.kafka import KafkaPublisher
from stemkit.eventing.relay import OutboxRelay
from stemkit.storage.db import outbox

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}


async def _end_offsets(bootstrap: str) -> dict[TopicPartition, int]:
    """The audit topic's partitions (created if missing) and their end offsets now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        with suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(REGISTRY_AUDIT_TOPIC, 3, 1)])
        (described,) = await admin.describe_topics([REGISTRY_AUDIT_TOPIC])
    finally:
        await admin.close()
    partitions = [
        TopicPartition(REGISTRY_AUDIT_TOPIC, p["partition"]) for p in described["partitions"]
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
    settings: Settings, kafka_bootstrap_servers: str
) -> None:
    settings.kafka_bootstrap_servers = kafka_bootstrap_servers
    start = await _end_offsets(kafka_bootstrap_servers)
    app = create_app(settings)
    database = database_of(app)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://registry"
        ) as api:
            created = await api.post(
                "/academies",
                json={"name": "Codeclub Kafka-audit"},
                params={"reason": "audit on the broker"},
                headers=OPS,
            )
            assert created.status_code == 201, created.text
        academy = created.json()["id"]
        # Only the audit event goes out: the academy event would reach the shared broker's
        # academy topic, which other tests' consumers read.
        async with database.session_factory.begin() as session:
            await session.execute(delete(outbox).where(outbox.c.topic != REGISTRY_AUDIT_TOPIC))
        publisher = KafkaPublisher(kafka_bootstrap_servers, timeout=10.0)
        relay = OutboxRelay(
            service="registry", session_factory=database.session_factory, publisher=publisher
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
                    if record.key == academy.encode():
                        found = record
            if found is not None:
                break
    finally:
        await reader.stop()
    assert found is not None, "no audit event of the academy on the audit topic"
    headers = dict(found.headers)
    assert headers["ce_type"] == b"be.vlaio.stem.registry.change_audited.v1"
    data = json.loads(found.value)
    assert data["actor"]["subject"] == "static:ops"
    assert (data["entity"], data["action"], data["reason"]) == (
        "academy",
        "registered",
        "audit on the broker",
    )
    assert data["after"]["name"] == "Codeclub Kafka-audit"
