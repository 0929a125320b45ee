"""The subscribe examples of docs/subscribing.md, run exactly as written against real Kafka.

A golden CloudEvent is published the way the platform's relay publishes (stemkit's
KafkaPublisher, binary mode) to a fresh topic; then the kcat example and the Python example
must each print it: its id, type, key and data. Each runs twice: in plaintext, and as a
SCRAM-SHA-512 user on the test broker's SASL listener (what the platform's external
listener asks for, less TLS).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.kafka import KafkaPublisher
from stemkit.eventing.relay import OutboxMessage
from tools.infra.kafka import SASL_PASSWORD, SASL_USER
from tools.k8s.inventory import EXTERNAL_GROUP_PREFIX, REPO_ROOT
from tools.k8s.toolchain import kcat

pytestmark = pytest.mark.kafka

DOC = REPO_ROOT / "docs" / "subscribing.md"
GOLDEN = (
    REPO_ROOT / "contracts" / "events" / "examples" / "be.vlaio.stem.academy.registered.v1.json"
)


def example(name: str) -> str:
    """The fenced code block right after `<!-- example: NAME -->` in docs/subscribing.md."""
    match = re.search(
        rf"<!-- example: {name} -->\s*```[a-z]*\n(.*?)```", DOC.read_text(), flags=re.S
    )
    assert match, f"docs/subscribing.md has no example {name!r}"
    return match.group(1)


@pytest.fixture
async def published(kafka_bootstrap_servers: str) -> AsyncIterator[tuple[str, CloudEvent]]:
    """A fresh topic holding one golden CloudEvent, published like the relay does."""
    topic = f"test.subscribing.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        event = CloudEvent.model_validate(
            {**json.loads(GOLDEN.read_text()), "id": str(uuid.uuid4())}
        )
        publisher = KafkaPublisher(kafka_bootstrap_servers, client_id="test-subscribing")
        try:
            await publisher.publish(
                [
                    OutboxMessage(
                        seq=1,
                        event_id=event.id,
                        topic=topic,
                        key=event.subject,
                        event_type=event.type,
                        envelope=event.to_json(),
                        created_at=datetime.now(UTC),
                        attempts=0,
                    )
                ]
            )
        finally:
            await publisher.stop()
        yield topic, event
    finally:
        await admin.delete_topics([topic])
        await admin.close()


async def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *cmd,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        raise
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def librdkafka_version(binary: Path) -> tuple[int, ...]:
    text = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"librdkafka (\d+)\.(\d+)\.(\d+)", text)
    assert match, text
    return tuple(int(part) for part in match.groups())


@pytest.fixture(params=["plaintext", "scram"])
def example_env(request: pytest.FixtureRequest, kafka_bootstrap_servers: str) -> dict[str, str]:
    """The environment a subscriber sets: plaintext (`make run`) or a SCRAM user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    if request.param == "plaintext":
        env["BOOTSTRAP"] = kafka_bootstrap_servers
        return env
    sasl_bootstrap = os.environ.get("STEM_KAFKA_SASL_BOOTSTRAP")
    if not sasl_bootstrap:
        pytest.fail(
            "STEM_KAFKA_SASL_BOOTSTRAP is not set: run the tests with `make test`, which "
            "starts the broker with its SASL listener",
            pytrace=False,
        )
    env.update(
        BOOTSTRAP=sasl_bootstrap,
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_USERNAME=SASL_USER,
        KAFKA_SASL_PASSWORD=SASL_PASSWORD,
    )
    return env


async def test_the_kcat_example_prints_the_event(
    published: tuple[str, CloudEvent], example_env: dict[str, str]
) -> None:
    topic, event = published
    binary = kcat()  # installs Debian's kcat when missing
    env = {**example_env, "TOPIC": topic}
    env["PATH"] = f"{binary.parent}:{env.get('PATH', '')}"
    code, out, err = await run(["bash", "-euo", "pipefail", "-c", example("kcat")], env)
    if "KAFKA_SASL_USERNAME" in env and librdkafka_version(binary) < (2, 6, 1):
        # librdkafka before 2.6.1 answers a SCRAM challenge of Kafka 4.x wrongly
        # (confluentinc/librdkafka#4895), and Debian 12's kcat has 2.0.2:
        # docs/subscribing.md warns about it. The plaintext run above still checks the example.
        assert code != 0, out
        pytest.xfail(f"kcat's librdkafka {librdkafka_version(binary)} < 2.6.1: SCRAM fails")
    assert code == 0, err
    assert f"key={event.subject} partition=0 offset=0" in out
    assert f"ce_id={event.id}" in out
    assert f"ce_type={event.type}" in out
    value = re.search(r"^value=(.*)$", out, flags=re.M)
    assert value, out
    assert json.loads(value.group(1)) == event.data


async def test_the_python_example_prints_the_event(
    published: tuple[str, CloudEvent], example_env: dict[str, str], tmp_path: Path
) -> None:
    topic, event = published
    script = tmp_path / "subscribe.py"
    script.write_text(example("python"))
    env = {**example_env, "TOPIC": topic}
    env.update(GROUP=f"{EXTERNAL_GROUP_PREFIX}test-{uuid.uuid4().hex[:8]}", STOP_AFTER="1")
    code, out, err = await run([sys.executable, str(script)], env, cwd=tmp_path)
    assert code == 0, err
    printed = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert printed == [
        {
            "id": event.id,
            "type": event.type,
            "subject": event.subject,
            "time": event.time.isoformat().replace("+00:00", "Z"),
            "data": event.data,
        }
    ]
