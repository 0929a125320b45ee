"""What a chaos run on a 3-node cluster reports besides the counts (`make chaos CLUSTER=1`):

- leader elections seen: every rise of a partition's leader epoch of the platform's topics
  (and the probe's), sampled every second from the brokers' metadata, and every change of
  the active controller (the KRaft quorum leader);
- the longest produce stall: a probe producer (acks=all, like the relays) sends a small
  record to its own topic (RF 3, min ISR 2) four times a second; a stall is the time from
  the first send not yet acknowledged to the next acknowledgement;
- consumer rebalances: the assignments the members logged (`consumer <group>: assigned`),
  one line per member per rebalance;
- the busiest partition of the activity topic (most records), whose leader is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.chaos.console import say
from tools.infra.kafka_cluster import Cluster

PROBE_TOPIC = "stem.chaos.probe.v1"
WATCHED = (
    "stem.registry.academy.v1",
    "stem.registry.municipality.v1",
    "stem.activities.activity.v1",
    "stem.subsidy.reach.v1",
    "stem.subsidy.calculation.v1",
    PROBE_TOPIC,
)
ASSIGNED = re.compile(r"consumer ([\w.-]+): assigned")


@dataclass
class ElectionWatch:
    """Samples leaders and the controller in a thread (the cluster API blocks)."""

    cluster: Cluster
    elections: Counter[str] = field(default_factory=Counter)  # topic -> epoch rises
    controller_changes: int = 0
    samples: int = 0
    _epochs: dict[tuple[str, int], int] = field(default_factory=dict)
    _controller: int | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="election-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.samples += 1
            for topic in WATCHED:
                try:
                    states = self.cluster.partitions(topic, timeout=1.0)
                except Exception:
                    continue
                for state in states:
                    key = (topic, state.partition)
                    seen = self._epochs.get(key)
                    if seen is not None and state.leader_epoch > seen:
                        self.elections[topic] += state.leader_epoch - seen
                    if seen is None or state.leader_epoch > seen:
                        self._epochs[key] = state.leader_epoch
            with contextlib.suppress(Exception):
                controller = self.cluster.active_controller()
                if controller is not None:
                    if self._controller is not None and controller != self._controller:
                        self.controller_changes += 1
                    self._controller = controller

    def figures(self) -> dict[str, object]:
        return {
            "leader_elections": sum(self.elections.values()),
            "leader_elections_by_topic": dict(sorted(self.elections.items())),
            "controller_changes": self.controller_changes,
            "samples": self.samples,
        }


@dataclass
class ProduceProbe:
    bootstrap: str
    interval: float = 0.25
    sent: int = 0
    acked: int = 0
    failures: int = 0
    longest_stall: float = 0.0
    longest_stall_at: float = 0.0  # monotonic, when it ended
    stalls_over_1s: int = 0

    async def create_topic(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.create_topics(
                [
                    NewTopic(
                        PROBE_TOPIC,
                        1,
                        3,
                        topic_configs={
                            "min.insync.replicas": "2",
                            "unclean.leader.election.enable": "false",
                        },
                    )
                ]
            )
        except Exception as exc:  # it exists already
            say(f"probe topic: {type(exc).__name__}")
        finally:
            await admin.close()

    async def run(self, stop: asyncio.Event) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", request_timeout_ms=15000
        )
        await producer.start()
        pending_since: float | None = None
        try:
            while not stop.is_set():
                began = time.monotonic()
                if pending_since is None:
                    pending_since = began
                self.sent += 1
                try:
                    await asyncio.wait_for(producer.send_and_wait(PROBE_TOPIC, b"probe"), 30)
                except Exception:
                    self.failures += 1
                else:
                    self.acked += 1
                    now = time.monotonic()
                    stall = now - pending_since
                    pending_since = None
                    if stall > 1.0:
                        self.stalls_over_1s += 1
                    if stall > self.longest_stall:
                        self.longest_stall, self.longest_stall_at = stall, now
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        stop.wait(), max(0.0, self.interval - (time.monotonic() - began))
                    )
        finally:
            with contextlib.suppress(Exception):
                await producer.stop()

    def figures(self, began: float) -> dict[str, object]:
        return {
            "sent": self.sent,
            "acknowledged": self.acked,
            "failed_sends": self.failures,
            "longest_stall_s": round(self.longest_stall, 1),
            "longest_stall_ended_at_s": round(self.longest_stall_at - began, 1)
            if self.longest_stall_at
            else None,
            "stalls_over_1s": self.stalls_over_1s,
        }


def rebalances(artifacts: Path) -> dict[str, int]:
    """Assignments logged per consumer group, over every member's log (restarts too)."""
    found: Counter[str] = Counter()
    for log in artifacts.glob("*consumer*.log"):
        with contextlib.suppress(OSError):
            for line in log.read_text(errors="replace").splitlines():
                match = ASSIGNED.search(line)
                if match:
                    found[match.group(1)] += 1
    return dict(sorted(found.items()))


async def busiest_leader(cluster: Cluster, bootstrap: str, topic: str) -> int:
    """The leader (node id) of the topic's partition with the most records."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer.topics()
            partitions = consumer.partitions_for_topic(topic) or {0}
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in sorted(partitions)])
    finally:
        await consumer.stop()
    busiest = max(ends, key=lambda tp: ends[tp]).partition
    return int(await asyncio.to_thread(cluster.leader_of, topic, busiest))
