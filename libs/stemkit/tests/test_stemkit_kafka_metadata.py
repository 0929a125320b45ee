"""A topic's partitions, seen by a consumer without a subscription, on the REAL broker.

aiokafka keeps the cluster's metadata behind its private client; `stemkit.eventing.kafka`
is the one place that reaches it (`cluster_metadata`, `load_topic_metadata`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from libs.stemkit.tests.stemkit_support import eventually
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

        async def all_three() -> bool:  # a broker may learn of a new topic a moment late
            metadata = await cluster_metadata(consumer)
            assert metadata.partitions_for_topic(f"{topic}-none") is None
            return bool(metadata.partitions_for_topic(topic) == {0, 1, 2})

        await eventually(all_three, 10)
    finally:
        await stop_quietly(consumer)


async def test_loading_one_topic_makes_the_consumer_know_its_partitions(
    kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    [topic] = await make_topics(1, partitions=2)
    consumer = make_consumer(kafka_bootstrap_servers, group_id="metadata-reader")
    await consumer.start()
    try:

        async def both() -> bool:  # a broker may learn of a new topic a moment late
            await load_topic_metadata(consumer, topic)
            return bool(consumer.partitions_for_topic(topic) == {0, 1})

        await eventually(both, 10)
    finally:
        await stop_quietly(consumer)


def test_no_module_but_stemkit_eventing_kafka_reaches_the_private_client() -> None:
    import re
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    reaching = [
        name
        for name in files
        if name
        not in (
            "libs/stemkit/src/stemkit/eventing/kafka/clients.py",
            Path(__file__).relative_to(root).as_posix(),
        )
        and (root / name).exists()
        and re.search(r"(?<!self)\._client\b", (root / name).read_text(encoding="utf-8"))
    ]
    assert reaching == []
