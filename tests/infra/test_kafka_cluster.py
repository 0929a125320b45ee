"""A three-node KRaft cluster (tools/infra/kafka.py start --brokers 3) keeps every write it
acknowledged when the partition leader is killed with kill -9 in the middle of a stream.

The cluster is the test's own (free loopback ports, a tmp folder), started and stopped here;
the topic comes from tools/infra/topics.py, which must give it deploy/k8s's settings on a
3-broker cluster: replication factor 3, min.insync.replicas=2, unclean leader election off.
The producer is stemkit's (idempotent, acks=all), as the relays use it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from stemkit.eventing.kafka import make_producer, stop_quietly
from tools.infra.kafka_cluster import KAFKA_PY, Cluster
from tools.infra.topics import TopicSpec, ensure_topics

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

TOPIC = "stem.test.cluster.v1"
BEFORE_KILL = 200  # acknowledged writes before the leader dies
AFTER_KILL = 200  # and after, through the new leader
WINDOW = 20  # writes in flight at once


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder: Path = tmp_path_factory.mktemp("kafka-cluster")
    started = Cluster.start(folder, brokers=3, timeout=120)
    try:
        yield started
    finally:
        started.stop(timeout=20)
        assert started.alive() == [], "a node outlived `kafka.py stop`"


async def _topic_config(bootstrap: str, topic: str, within: float = 30.0) -> dict[str, str]:
    """The topic's configuration, asked again while the broker answering has not yet learnt
    of the new topic (an error code and no entries: seen once in a make test run)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    deadline = time.monotonic() + within
    try:
        while True:
            [response] = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, topic)]
            )
            # resources: [(error_code, error_message, type, name, [(key, value, ...), ...])]
            error_code, entries = response.resources[0][0], response.resources[0][4]
            if (error_code == 0 and entries) or time.monotonic() > deadline:
                return {str(entry[0]): str(entry[1]) for entry in entries}
            await asyncio.sleep(0.5)
    finally:
        await admin.close()


async def _read_all(bootstrap: str, topic: str, expected: int, within: float) -> list[bytes]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        got: list[bytes] = []
        deadline = time.monotonic() + within
        while len(got) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(tp, timeout_ms=500)
            got.extend(bytes(r.value) for r in batch.get(tp, []) if r.value is not None)
        return got
    finally:
        await stop_quietly(consumer)


def test_the_cluster_has_three_nodes_and_an_active_controller(cluster: Cluster) -> None:
    assert [n.id for n in cluster.nodes] == [1, 2, 3]
    assert sorted(cluster.alive()) == [1, 2, 3]
    assert len({n.port for n in cluster.nodes} | {n.controller_port for n in cluster.nodes}) == 6
    assert cluster.bootstrap == ",".join(f"localhost:{n.port}" for n in cluster.nodes)
    controller = cluster.wait_for_controller(timeout=30)
    assert controller in {1, 2, 3}
    status = subprocess.run(
        [sys.executable, str(KAFKA_PY), "status", "--dir", str(cluster.folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert status.returncode == 0, status.stderr
    lines = set(status.stdout.splitlines())
    for n in cluster.nodes:
        assert {f"node{n.id}_pid={n.pid}", f"node{n.id}_status=running"} <= lines
    # a paused node (SIGSTOP) is seen as such, and the others still answer for it
    follower = next(n for n in (1, 2, 3) if n != controller)
    cluster.pause(follower)
    try:
        assert cluster.node(follower).paused
        assert cluster.active_controller() == controller
    finally:
        cluster.resume(follower)
    assert not cluster.node(follower).paused


async def test_no_acknowledged_write_is_lost_when_the_leader_is_killed(cluster: Cluster) -> None:
    spec = TopicSpec(name=TOPIC, owner="test", public=False, partitions=1)
    # replication_factor=None: what topics.py picks for this cluster by itself
    assert await ensure_topics(cluster.bootstrap, [spec], replication_factor=None) == {
        TOPIC: "created"
    }
    config = await _topic_config(cluster.bootstrap, TOPIC)
    assert config["min.insync.replicas"] == "2"
    assert config["unclean.leader.election.enable"] == "false"
    state = cluster.partition(TOPIC, 0)
    assert len(state.replicas) == 3 and sorted(state.isr) == [1, 2, 3]
    old_leader = state.leader

    producer = make_producer(cluster.bootstrap, client_id="cluster-test", request_timeout_ms=10_000)
    await producer.start()
    acked: list[bytes] = []
    failed = 0
    longest_stall = 0.0
    sent = 0

    async def write_window() -> None:
        """WINDOW writes in flight at once, each one's ack (or error) on its own."""
        nonlocal sent, failed, longest_stall
        values = [f"m-{sent + j:06d}".encode() for j in range(WINDOW)]
        sent += WINDOW
        started = time.monotonic()
        futures = [await producer.send(TOPIC, v, key=b"k") for v in values]
        results = await asyncio.gather(
            *(asyncio.wait_for(f, 60) for f in futures), return_exceptions=True
        )
        longest_stall = max(longest_stall, time.monotonic() - started)
        for value, result in zip(values, results, strict=True):
            if isinstance(result, BaseException):
                failed += 1  # not acknowledged: not counted
            else:
                acked.append(value)

    try:
        while len(acked) < BEFORE_KILL:
            await write_window()
        killed_at = len(acked)
        # kill -9 the leader while a window of writes is on its way to it
        window = asyncio.create_task(write_window())
        await asyncio.to_thread(cluster.kill, old_leader, signal.SIGKILL)
        await window
        while len(acked) < killed_at + AFTER_KILL:
            await write_window()
    finally:
        await stop_quietly(producer)

    new_leader = await asyncio.to_thread(
        cluster.wait_for_leader, TOPIC, 0, not_in={old_leader}, timeout=30
    )
    assert new_leader != old_leader and cluster.pid(old_leader) is None
    assert old_leader not in cluster.isr_of(TOPIC, 0)

    read = await _read_all(cluster.bootstrap, TOPIC, len(acked), within=30)
    lost = sorted(set(acked) - set(read))
    assert not lost, f"{len(lost)} acknowledged writes lost, first {lost[:5]}"
    # idempotent producer: a retried write is not stored twice
    assert len(read) == len(set(read)), "a write is stored twice"
    log.info(
        "acked %d (%s before the kill), failed %d, leader %d -> %d, longest produce stall %.1f s",
        len(acked),
        killed_at,
        failed,
        old_leader,
        new_leader,
        longest_stall,
    )


def test_a_killed_node_comes_back_on_its_ports(cluster: Cluster) -> None:
    dead = [n for n in (1, 2, 3) if cluster.pid(n) is None]
    assert dead, "the previous test left every node running"
    node = dead[0]
    cluster.restart(node, timeout=120)
    assert sorted(cluster.alive()) == [1, 2, 3]
    deadline = time.monotonic() + 30
    while node not in cluster.isr_of(TOPIC, 0) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert node in cluster.isr_of(TOPIC, 0), "the restarted node did not catch up"
