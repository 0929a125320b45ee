"""`GET /dead-letters` (ops token) on the REAL Kafka broker: the consumer's dead letters,
newest first, read without a consumer group."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from stemkit.eventing.kafka import dead_letter_message
from stemkit.settings import DEV_OPS_TOKEN
from subsidy.config import Settings
from subsidy.entrypoints.api import create_app

pytestmark = pytest.mark.kafka
OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}


@pytest.fixture
async def topic(kafka_bootstrap_servers: str) -> AsyncIterator[str]:
    name = f"stemtest.subsidy-dlq.{uuid.uuid4().hex[:12]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


async def test_ops_read_the_dead_letters_newest_first(
    kafka_bootstrap_servers: str, topic: str, tmp_path: Path
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for n in range(3):
            record = SimpleNamespace(
                topic="stem.activities.activity.v1",
                partition=0,
                offset=n,
                timestamp=0,
                key=b"k",
                value=b"{}",
                headers=[],
            )
            key, value, headers = dead_letter_message(
                record, consumer="subsidy", reason=KeyError(f"missing {n}"), attempts=5
            )
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'subsidy.db'}",
        environment="test",
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        dead_letter_topic=topic,
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://subsidy") as c,
    ):
        assert (await c.get("/dead-letters")).status_code == 401
        found = await c.get("/dead-letters", params={"limit": 2}, headers=OPS)

    assert found.status_code == 200, found.text
    assert [d["offset"] for d in found.json()] == [2, 1]
    newest = found.json()[0]
    assert newest["topic"] == topic
    assert newest["document"]["consumer"] == "subsidy"
    assert newest["document"]["reason"] == {"type": "KeyError", "message": "'missing 2'"}
    assert newest["document"]["original"]["topic"] == "stem.activities.activity.v1"
