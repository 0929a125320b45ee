"""The Kafka broker that tools/infra/kafka.py runs works with the client the services use.

Needs a running broker: KAFKA_BOOTSTRAP_SERVERS must be set (tools/infra/kafka.py start prints
it) and the declared topics created (tools/infra/topics.py). Nothing here is skipped: a missing
broker is a failure.

Proves, against the pinned Kafka version (docs/adr/0001-kafka-from-maven-central.md):
- the topics of deploy/topics.yaml exist with their declared partition counts and configs;
- aiokafka's idempotent producer (enable_idempotence=True, acks=all: InitProducerId) works;
- a consumer group with manual commits reads keyed messages back and commits per partition;
- aiokafka's transactional producer (InitProducerId/AddPartitionsToTxn/EndTxn, v0 requests)
  works, with read_committed consumers seeing committed and not aborted records.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

TOPICS_YAML = Path(__file__).resolve().parents[2] / "deploy" / "topics.yaml"

pytestmark = pytest.mark.kafka

N_KEYS = 12
PER_KEY = 5
TIMEOUT_S = 30


@pytest.fixture(scope="session")
def bootstrap() -> str:
    value = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not value:
        pytest.fail(
            "KAFKA_BOOTSTRAP_SERVERS is not set: start a broker with "
            "`uv run python tools/infra/kafka.py start --dir var/kafka` and "
            "`uv run python tools/infra/topics.py`, then export the printed bootstrap"
        )
    return value


@pytest.fixture
async def admin(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="test-broker-compat")
    await client.start()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def scratch_topic(admin: AIOKafkaAdminClient) -> AsyncIterator[str]:
    """A throwaway 3-partition topic (auto-creation is off on our broker)."""
    name = f"stem.test.broker-compat.{uuid.uuid4().hex[:12]}"
    response = await admin.create_topics([NewTopic(name, 3, 1)], timeout_ms=TIMEOUT_S * 1000)
    assert [e[1] for e in response.topic_errors] == [0], response.topic_errors
    async with asyncio.timeout(TIMEOUT_S):
        while True:
            (meta,) = await admin.describe_topics([name])
            leaders = [p["leader"] for p in meta["partitions"]]
            if meta["error_code"] == 0 and len(leaders) == 3 and min(leaders) >= 0:
                break
            await asyncio.sleep(0.1)
    try:
        yield name
    finally:
        await admin.delete_topics([name])


async def test_declared_topics_exist(admin: AIOKafkaAdminClient) -> None:
    specs: list[dict[str, Any]] = yaml.safe_load(TOPICS_YAML.read_text())["topics"]
    assert specs, "deploy/topics.yaml declares no topic"
    names = [str(s["name"]) for s in specs]
    existing = set(await admin.list_topics())
    missing = [n for n in names if n not in existing]
    assert not missing, f"declared topics missing (run tools/infra/topics.py): {missing}"

    metas = {m["topic"]: m for m in await admin.describe_topics(names)}
    for s in specs:
        assert len(metas[s["name"]]["partitions"]) == s["partitions"], s["name"]

    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
    )
    actual: dict[str, dict[str, str]] = {}
    for response in responses:
        for _err, _msg, _type, name, entries in response.resources:
            actual[name] = {e[0]: e[1] for e in entries}
    for s in specs:
        for key, value in (s.get("config") or {}).items():
            assert actual[s["name"]].get(key) == str(value), (s["name"], key)


async def test_idempotent_producer_and_manual_group_commit(
    bootstrap: str, scratch_topic: str, admin: AIOKafkaAdminClient
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        client_id="test-idempotent",
    )
    await producer.start()  # sends InitProducerId on the first batch
    sent: dict[tuple[int, int], tuple[bytes, bytes]] = {}
    partition_of_key: dict[bytes, int] = {}
    try:
        for i in range(PER_KEY):
            for k in range(N_KEYS):
                key = f"academy-{k}".encode()
                value = f"{k}:{i}".encode()
                md = await producer.send_and_wait(
                    scratch_topic, value=value, key=key, headers=[("ce_id", value)]
                )
                # one key, one partition: per-aggregate order holds
                assert partition_of_key.setdefault(key, md.partition) == md.partition
                sent[(md.partition, md.offset)] = (key, value)
        # aiokafka internals: the broker did hand out a producer id (InitProducerId answered)
        txn_manager = producer._txn_manager
        assert txn_manager is not None and txn_manager.producer_id >= 0
    finally:
        await producer.stop()
    assert len(sent) == N_KEYS * PER_KEY
    assert len(set(partition_of_key.values())) > 1, "keys should spread over partitions"

    group = f"test-broker-compat-{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        scratch_topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    received: dict[tuple[int, int], tuple[bytes, bytes]] = {}
    try:
        async with asyncio.timeout(TIMEOUT_S):
            while len(received) < len(sent):
                batches = await consumer.getmany(timeout_ms=1000)
                for tp, records in batches.items():
                    for r in records:
                        assert r.key is not None and r.value is not None
                        assert dict(r.headers)["ce_id"] == r.value
                        received[(tp.partition, r.offset)] = (r.key, r.value)
                    # commit per partition: last processed + 1
                    await consumer.commit({tp: records[-1].offset + 1})
        assert received == sent
        # per-key order is the send order
        for k in range(N_KEYS):
            key = f"academy-{k}".encode()
            values = [v for (_p, _o), (kk, v) in sorted(received.items()) if kk == key]
            assert values == [f"{k}:{i}".encode() for i in range(PER_KEY)]
        end = {}
        for p in {p for p, _ in sent}:
            tp = TopicPartition(scratch_topic, p)
            end[tp] = max(o for pp, o in sent if pp == p) + 1
            assert await consumer.committed(tp) == end[tp]
    finally:
        await consumer.stop()

    # the commits are visible to the cluster, not just to this consumer
    offsets = await admin.list_consumer_group_offsets(group)
    assert {tp: om.offset for tp, om in offsets.items()} == end

    # a new member of the same group starts after the committed offsets: nothing left
    again = AIOKafkaConsumer(
        scratch_topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await again.start()
    try:
        async with asyncio.timeout(TIMEOUT_S):
            while not again.assignment():
                await again.getmany(timeout_ms=200)
        leftovers = await again.getmany(timeout_ms=1500)
        assert sum(len(v) for v in leftovers.values()) == 0
        for tp, offset in end.items():
            assert await again.position(tp) == offset
    finally:
        await again.stop()


async def test_transactional_producer_read_committed(bootstrap: str, scratch_topic: str) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        transactional_id=f"test-broker-compat-{uuid.uuid4().hex[:8]}",
        client_id="test-transactional",
    )
    await producer.start()
    try:
        async with producer.transaction():
            for i in range(3):
                await producer.send_and_wait(scratch_topic, value=b"committed-%d" % i, key=b"k")
        await producer.begin_transaction()
        await producer.send_and_wait(scratch_topic, value=b"aborted", key=b"k")
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send_and_wait(scratch_topic, value=b"committed-3", key=b"k")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        scratch_topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-broker-compat-rc-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(TIMEOUT_S):
            while len(values) < 4:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    values.extend(r.value for r in records if r.value is not None)
        values.extend(
            r.value
            for records in (await consumer.getmany(timeout_ms=1000)).values()
            for r in records
            if r.value is not None
        )
    finally:
        await consumer.stop()
    assert values == [b"committed-0", b"committed-1", b"committed-2", b"committed-3"]
