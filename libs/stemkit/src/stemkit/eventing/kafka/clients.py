"""The aiokafka clients of the platform, all made here with the same settings.

- `make_producer`: idempotent producer (`enable_idempotence=True`, `acks="all"`): broker
  retries cannot duplicate or reorder within a partition, and batches never expire.
- `make_consumer`: manual commits (`enable_auto_commit=False`), `auto_offset_reset="earliest"`.
- `MAX_MESSAGE_BYTES`: the one size limit of a record, end to end (below).
- `cluster_metadata`, `load_topic_metadata`: what aiokafka keeps behind its private client.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.cluster import ClusterMetadata

from stemkit.eventing.kafka_security import connection_options

log = logging.getLogger(__package__)

# The largest record (key, value, headers and the batch header around it) the platform sends,
# the same everywhere: the producer refuses anything larger (`max_request_size`: a
# MessageSizeTooLargeError, and the relay parks that row, ADR 0008); every topic's
# `max.message.bytes` in deploy/topics.yaml (so also Strimzi's KafkaTopics) equals it; the
# brokers' `message.max.bytes` is left at Kafka's default 1,048,588, just above it; the
# consumers fetch up to this much per partition and FETCH_MAX_BYTES per request, so any
# record a topic accepts can be read. tests/contract/test_message_sizes.py checks all of it.
MAX_MESSAGE_BYTES = 1_048_576
FETCH_MAX_BYTES = 50 * MAX_MESSAGE_BYTES  # aiokafka's default, 52,428,800


def make_producer(bootstrap_servers: str, *, client_id: str, **options: Any) -> Any:
    """An idempotent AIOKafkaProducer (not started)."""
    options.setdefault("linger_ms", 5)
    options.setdefault("max_request_size", MAX_MESSAGE_BYTES)
    options = {**connection_options(), **options}
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        **options,
    )


def make_consumer(bootstrap_servers: str, *, group_id: str, **options: Any) -> Any:
    """An AIOKafkaConsumer in group `group_id` that only commits when told to (not started)."""
    options.setdefault("client_id", group_id)
    options.setdefault("max_partition_fetch_bytes", MAX_MESSAGE_BYTES)
    options.setdefault("fetch_max_bytes", FETCH_MAX_BYTES)
    options = {**connection_options(), **options}
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **options,
    )


async def stop_quietly(client: Any, grace: float = 10.0) -> None:
    """Stop an aiokafka producer/consumer; give up after `grace` seconds (e.g. broker gone)."""
    try:
        await asyncio.wait_for(client.stop(), grace)
    except Exception as exc:  # stopping is best effort: we are leaving anyway
        log.warning("stopping %s failed: %s: %s", type(client).__name__, type(exc).__name__, exc)


async def cluster_metadata(consumer: AIOKafkaConsumer) -> ClusterMetadata:
    """The whole cluster's metadata (topics and their partitions), asked of the broker now.

    A consumer without a subscription keeps none of its own (`partitions_for_topic` answers
    None), and aiokafka has no public call to fetch it: its client is private.
    """
    client: Any = consumer._client
    metadata: ClusterMetadata = await client.fetch_all_metadata()
    return metadata


async def load_topic_metadata(consumer: AIOKafkaConsumer, topic: str) -> None:
    """Make `consumer` know `topic`'s partitions (`partitions_for_topic`) without a
    subscription; aiokafka has no public call for it."""
    client: Any = consumer._client
    client.add_topic(topic)
    await client.force_metadata_update()
