"""Read whole topics from the beginning up to their end offsets at the start (no group)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from stemkit.eventing.kafka import load_topic_metadata
from stemkit.eventing.kafka_security import connection_options

FETCH = {
    "fetch_max_bytes": 64 * 1024 * 1024,
    "max_partition_fetch_bytes": 16 * 1024 * 1024,
}


async def read_topics(
    bootstrap_servers: str, topics: Sequence[str], max_records: int = 20_000
) -> AsyncIterator[list[Any]]:
    """Batches of records of `topics`, every partition from offset 0 to its end at the start."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset="earliest",  # no committed offsets without a group: from the start
        **FETCH,
        **connection_options(),
    )
    await consumer.start()
    try:
        for topic in topics:
            await load_topic_metadata(consumer, topic)
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > 0}
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000, max_records=max_records)
            for tp, records in batches.items():
                wanted = [r for r in records if r.offset < ends[tp]]
                if wanted:
                    yield wanted
                if records and records[-1].offset + 1 >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
