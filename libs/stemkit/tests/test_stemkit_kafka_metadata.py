"""A topic's partitions, seen by a consumer without a subscription, on the REAL broker.

aiokafka keeps the cluster's metadata behind its private client; `stemkit.eventing.kafka`
is the one place that reaches it (`cluster_metadata`, `load_topic_metadata`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from stemkit.eventing.kafka import (
    cluster_metadata,
    load_topic_metadata,
    make_consumer,
    stop_quietly,
)

pytestmark = pytest.mark.kafka

MakeTopics = Callable[..., Awaitable[list[str]]]


async def test_the_cluster_metadata_names_every_partition_of_a_new_topic(
    kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    [topic] = await make_topics(1, partitions=3)
    consumer = make_consumer(kafka_bootstrap_servers, group_id="metadata-reader")
    await consumer.start()
    try:
        assert consumer.partitions_for_topic(topic) is None  # no subscription, no metadata
        metadata = await cluster_metadata(consumer)
        assert metadata.partitions_for_topic(topic) == {0, 1, 2}
        assert metadata.partitions_for_topic(f"{topic}-none") is None
    finally:
        await stop_quietly(consumer)


async def test_loading_one_topic_makes_the_consumer_know_its_partitions(
    kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    [topic] = await make_topics(1, partitions=2)
    consumer = make_consumer(kafka_bootstrap_servers, group_id="metadata-reader")
    await consumer.start()
    try:
        await load_topic_metadata(consumer, topic)
        assert consumer.partitions_for_topic(topic) == {0, 1}
    finally:
        await stop_quietly(consumer)
