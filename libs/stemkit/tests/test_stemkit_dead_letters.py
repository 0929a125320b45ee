"""The ops reader of dead-letter topics, on the REAL Kafka broker: every partition from the
start to its end, no consumer group, the documents newest first, at most `limit`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaProducer

from stemkit.eventing.kafka import dead_letter_message
from stemkit.ops.dead_letters import read_dead_letters

pytestmark = pytest.mark.kafka
MakeTopics = Callable[..., Awaitable[list[str]]]
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def original(offset: int) -> SimpleNamespace:
    return SimpleNamespace(
        topic="stem.registry.academy.v1",
        partition=0,
        offset=offset,
        timestamp=BASE_MS,
        key=b"acad-1",
        value=b'{"broken": true}',
        headers=[("ce_type", b"x")],
    )


async def test_newest_first_across_partitions_with_a_limit(
    kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    (topic,) = await make_topics(1, partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for n in range(7):  # dead letter n written at BASE + n seconds, spread over partitions
            key, value, headers = dead_letter_message(
                original(n), consumer="subsidy", reason=ValueError(f"bad {n}"), attempts=3
            )
            await producer.send_and_wait(
                topic,
                value=value,
                key=key,
                headers=headers,
                partition=n % 3,
                timestamp_ms=BASE_MS + n * 1000,
            )
        await producer.send_and_wait(
            topic, value=b"not json", partition=1, timestamp_ms=BASE_MS + 60_000
        )
    finally:
        await producer.stop()

    everything = await read_dead_letters(kafka_bootstrap_servers, topic, limit=100)
    newest = await read_dead_letters(kafka_bootstrap_servers, topic, limit=3)

    assert len(everything) == 8
    assert everything[0].document == {"unparseable": "not json"}
    reasons = [d.document["reason"]["message"] for d in everything[1:]]
    assert reasons == [f"bad {n}" for n in reversed(range(7))]
    first = everything[1]
    assert first.topic == topic and first.partition == 6 % 3
    assert first.document["consumer"] == "subsidy" and first.document["attempts"] == 3
    assert first.document["original"]["offset"] == 6
    assert first.timestamp is not None and first.timestamp.isoformat().startswith("2026-01-01")
    assert [d.offset for d in newest] == [d.offset for d in everything[:3]]
    assert [d.document.get("reason") for d in newest] == [
        d.document.get("reason") for d in everything[:3]
    ]


async def test_an_empty_topic_gives_nothing(
    kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    (topic,) = await make_topics(1, partitions=2)
    assert await read_dead_letters(kafka_bootstrap_servers, topic, limit=10) == []
