"""The subscribe examples of docs/subscribing.md, run exactly as written against real Kafka.

A golden CloudEvent is published the way the platform's relay publishes (stemkit's
KafkaPublisher, binary mode) to a fresh topic; then the kcat example and the Python example
must each print it: its id, type, key and data.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from stemkit.events.envelope import CloudEvent
from stemkit.kafka import KafkaPublisher
from stemkit.relay import OutboxMessage
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


def example_env(bootstrap: str, topic: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env.update(BOOTSTRAP=bootstrap, TOPIC=topic)
    return env


async def test_the_kcat_example_prints_the_event(
    published: tuple[str, CloudEvent], kafka_bootstrap_servers: str
) -> None:
    topic, event = published
    binary = kcat()  # installs Debian's kcat when missing
    env = example_env(kafka_bootstrap_servers, topic)
    env["PATH"] = f"{binary.parent}:{env.get('PATH', '')}"
    code, out, err = await run(["bash", "-euo", "pipefail", "-c", example("kcat")], env)
    assert code == 0, err
    assert f"key={event.subject} partition=0 offset=0" in out
    assert f"ce_id={event.id}" in out
    assert f"ce_type={event.type}" in out
    value = re.search(r"^value=(.*)$", out, flags=re.M)
    assert value, out
    assert json.loads(value.group(1)) == event.data


async def test_the_python_example_prints_the_event(
    published: tuple[str, CloudEvent], kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    topic, event = published
    script = tmp_path / "subscribe.py"
    script.write_text(example("python"))
    env = example_env(kafka_bootstrap_servers, topic)
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
