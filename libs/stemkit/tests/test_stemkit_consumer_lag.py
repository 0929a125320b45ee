"""A consumer group's lag for ops, on the REAL Kafka broker: end offset minus the group's
committed offset, per partition it committed; nothing is moved by reading it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import Depends, FastAPI
from pydantic import SecretStr

from stemkit.access.auth import require_ops_token
from stemkit.ops.consumer_lag import consumer_lag_router, group_lag

pytestmark = pytest.mark.kafka
MakeTopics = Callable[..., Awaitable[list[str]]]


async def test_lag_is_the_end_minus_the_committed_offset(
    kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    (topic,) = await make_topics(1, partitions=2)
    group = f"lag-test-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for n in range(9):  # 5 on partition 0, 4 on partition 1
            await producer.send_and_wait(topic, value=b"x", partition=n % 2)
    finally:
        await producer.stop()
    assert await group_lag(kafka_bootstrap_servers, group) == await group_lag(
        kafka_bootstrap_servers, group
    )
    assert (await group_lag(kafka_bootstrap_servers, group)).partitions == []

    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
        await consumer.commit({TopicPartition(topic, 0): 2, TopicPartition(topic, 1): 4})
    finally:
        await consumer.stop()

    found = await group_lag(kafka_bootstrap_servers, group)
    assert found.group == group and found.total == 3
    assert [(p.partition, p.committed, p.end, p.lag) for p in found.partitions] == [
        (0, 2, 5, 3),
        (1, 4, 4, 0),
    ]
    again = await group_lag(kafka_bootstrap_servers, group)
    assert again == found  # reading moved nothing

    app = FastAPI()
    app.include_router(
        consumer_lag_router(
            kafka_bootstrap_servers, group, Depends(require_ops_token(SecretStr("t0k")))
        )
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://x") as api:
        assert (await api.get("/consumer-lag")).status_code == 401
        answer = await api.get("/consumer-lag", headers={"Authorization": "Bearer t0k"})
    assert answer.status_code == 200 and answer.json()["total"] == 3
