"""Sizes agree end to end (issue 14): one record limit, `stemkit.eventing.kafka.MAX_MESSAGE_BYTES`.

- the producer refuses a record above it (`max_request_size`), and nothing in the code
  builds a producer any other way or with another limit;
- every declared topic's `max.message.bytes` equals it: deploy/topics.yaml, the Strimzi
  KafkaTopics generated from it, and the topics tools/infra/topics.py creates (real broker);
- the brokers' `message.max.bytes` (Strimzi's Kafka, the local broker) is at least it;
- every consumer fetches at least that much per partition, so a record a topic accepts can
  always be read (make_consumer, and the readers that build their own consumer).
"""

from __future__ import annotations

import ast
import inspect
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from stemkit.eventing.kafka import FETCH_MAX_BYTES, MAX_MESSAGE_BYTES, make_consumer, make_producer
from subsidy.adapters import topic_reader
from tools.infra.topics import TopicSpec, ensure_topics, load_topics

ROOT = Path(__file__).resolve().parents[2]
MAKE_PRODUCER_MODULE = ROOT / "libs/stemkit/src/stemkit/eventing/kafka/clients.py"
TOPICS = ROOT / "deploy" / "topics.yaml"
STRIMZI_TOPICS = ROOT / "deploy" / "k8s" / "base" / "kafka" / "topics.yaml"
STRIMZI_KAFKA = ROOT / "deploy" / "k8s" / "base" / "kafka" / "kafka.yaml"
LOCAL_BROKER = ROOT / "tools" / "infra" / "kafka.py"
SOURCES = [ROOT / "libs", ROOT / "services", ROOT / "tools"]
KAFKA_DEFAULT_MESSAGE_MAX_BYTES = 1_048_588  # Kafka's message.max.bytes when it is not set


def test_every_declared_topic_takes_exactly_the_limit() -> None:
    topics = load_topics(TOPICS)
    assert topics
    wrong = {t.name: t.config.get("max.message.bytes") for t in topics}
    assert wrong == {t.name: str(MAX_MESSAGE_BYTES) for t in topics}


def test_every_strimzi_topic_takes_exactly_the_limit() -> None:
    docs = [d for d in yaml.safe_load_all(STRIMZI_TOPICS.read_text()) if d]
    found = {
        d["spec"]["topicName"]: str(d["spec"]["config"].get("max.message.bytes"))
        for d in docs
        if d["kind"] == "KafkaTopic"
    }
    assert found == {t.name: str(MAX_MESSAGE_BYTES) for t in load_topics(TOPICS)}


def test_the_brokers_accept_a_record_of_the_limit() -> None:
    kafka = next(
        d for d in yaml.safe_load_all(STRIMZI_KAFKA.read_text()) if d and d["kind"] == "Kafka"
    )
    config = kafka["spec"]["kafka"].get("config", {})
    assert int(config.get("message.max.bytes", KAFKA_DEFAULT_MESSAGE_MAX_BYTES)) >= (
        MAX_MESSAGE_BYTES
    )
    # replicas must be able to copy the largest batch a leader accepted
    assert int(config.get("replica.fetch.max.bytes", 1_048_576)) >= MAX_MESSAGE_BYTES
    local = LOCAL_BROKER.read_text()
    for name in ("message.max.bytes", "replica.fetch.max.bytes"):
        for line in local.splitlines():
            if f"{name}=" in line:  # a server.properties line the local broker is given
                value = line.split(f"{name}=", 1)[1].split('"', 1)[0].strip()
                assert int(value) >= MAX_MESSAGE_BYTES, line


async def test_the_producer_refuses_what_the_topics_refuse() -> None:
    producer = make_producer("localhost:9", client_id="sizes")
    assert producer._max_request_size == MAX_MESSAGE_BYTES


async def test_the_consumers_fetch_a_record_of_the_limit() -> None:
    consumer = make_consumer("localhost:9", group_id="sizes")
    assert consumer._max_partition_fetch_bytes >= MAX_MESSAGE_BYTES
    assert consumer._fetch_max_bytes >= consumer._max_partition_fetch_bytes
    assert FETCH_MAX_BYTES >= MAX_MESSAGE_BYTES
    assert topic_reader.FETCH["max_partition_fetch_bytes"] >= MAX_MESSAGE_BYTES
    assert topic_reader.FETCH["fetch_max_bytes"] >= topic_reader.FETCH["max_partition_fetch_bytes"]


def _aiokafka_default(client: Any, name: str) -> int:
    return int(inspect.signature(client).parameters[name].default)


def test_no_client_is_built_with_another_limit() -> None:
    """Every AIOKafkaProducer comes from make_producer; an AIOKafkaConsumer built elsewhere
    either sets its fetch size or relies on a default that holds a record of the limit; no
    call sets max_request_size to anything but the constant."""
    offenders: list[str] = []
    for base in SOURCES:
        for path in base.rglob("*.py"):
            if "tests" in path.parts or ".venv" in path.parts:
                continue
            tree = ast.parse(path.read_text(), str(path))
            for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
                name = getattr(call.func, "id", getattr(call.func, "attr", ""))
                keywords = {k.arg: k.value for k in call.keywords if k.arg}
                where = f"{path.relative_to(ROOT)}:{call.lineno}"
                if name == "AIOKafkaProducer" and path != MAKE_PRODUCER_MODULE:
                    offenders.append(f"{where}: a producer not from make_producer")
                size = keywords.get("max_request_size")
                if size is not None and ast.unparse(size) != "MAX_MESSAGE_BYTES":
                    offenders.append(f"{where}: max_request_size={ast.unparse(size)}")
                if name == "AIOKafkaConsumer" and "max_partition_fetch_bytes" not in keywords:
                    spread = any(k.arg is None for k in call.keywords)  # **FETCH: checked above
                    default = _aiokafka_default(AIOKafkaConsumer, "max_partition_fetch_bytes")
                    if not spread and default < MAX_MESSAGE_BYTES:
                        offenders.append(f"{where}: fetches {default} per partition")
    assert offenders == []


@pytest.mark.kafka
async def test_topics_py_creates_a_declared_topic_with_the_limit(
    kafka_bootstrap_servers: str,
) -> None:
    declared = next(t for t in load_topics(TOPICS) if t.name == "stem.activities.activity.v1")
    name = f"sizes.{uuid.uuid4().hex[:12]}.v1"  # its own topic on the shared broker
    spec = TopicSpec(name, declared.owner, declared.public, 1, declared.config)
    assert await ensure_topics(kafka_bootstrap_servers, [spec], timeout_s=30) == {name: "created"}
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
        [resource] = response.resources
        values = {entry[0]: entry[1] for entry in resource[4]}  # (name, value, ...) per entry
        assert values["max.message.bytes"] == str(MAX_MESSAGE_BYTES)
    finally:
        try:
            await admin.delete_topics([name])
        finally:
            await admin.close()
