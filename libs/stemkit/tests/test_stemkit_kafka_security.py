"""Kafka security settings: the options they give aiokafka, and SCRAM against a real broker.

`make test` starts the test broker with a second, SASL_PLAINTEXT listener whose SCRAM-SHA-512
user is the one tools/infra/kafka.py writes at format time (as Strimzi's KafkaUsers do in
production), and exports its address as `STEM_KAFKA_SASL_BOOTSTRAP`.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from stemkit.eventing.kafka import make_consumer, make_producer
from stemkit.eventing.kafka_security import KafkaSecurity, connection_options
from tools.infra.kafka import SASL_PASSWORD, SASL_USER


def test_plaintext_is_the_default_and_adds_nothing_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("PROTOCOL", "MECHANISM", "USERNAME", "PASSWORD"):
        monkeypatch.delenv(f"KAFKA_SECURITY_{name}", raising=False)
        monkeypatch.delenv(f"KAFKA_SASL_{name}", raising=False)
    assert connection_options() == {"security_protocol": "PLAINTEXT"}


def test_sasl_ssl_gives_scram_credentials_and_a_tls_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "registry")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret")
    options = connection_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "registry"
    assert options["sasl_plain_password"] == "s3cret"
    assert options["ssl_context"] is not None


def test_sasl_without_credentials_is_refused_with_the_names_to_set() -> None:
    with pytest.raises(ValueError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        KafkaSecurity(security_protocol="SASL_PLAINTEXT")


def _sasl_bootstrap() -> str:
    value = os.environ.get("STEM_KAFKA_SASL_BOOTSTRAP")
    if not value:
        pytest.fail("STEM_KAFKA_SASL_BOOTSTRAP is not set: run with `make test`", pytrace=False)
    return value


@pytest.mark.kafka
async def test_scram_user_produces_and_consumes_through_the_sasl_listener(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bootstrap = _sasl_bootstrap()
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", SASL_USER)
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", SASL_PASSWORD)
    topic = f"test.sasl.{uuid.uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **connection_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()

    producer = make_producer(bootstrap, client_id="sasl-test")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"over scram", key=b"k")
    finally:
        await producer.stop()
    consumer = make_consumer(bootstrap, group_id=f"sasl-{uuid.uuid4().hex[:8]}")
    consumer.subscribe([topic])
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()
    assert record.value == b"over scram"


@pytest.mark.kafka
async def test_a_wrong_password_is_refused_by_the_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    bootstrap = _sasl_bootstrap()
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", SASL_USER)
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "not-the-password")
    producer = make_producer(bootstrap, client_id="sasl-wrong", request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await asyncio.wait_for(producer.start(), 30)
    await producer.stop()
