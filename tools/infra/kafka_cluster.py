"""Drive a Kafka cluster that ``tools/infra/kafka.py start --brokers N`` runs: for tests,
chaos runs and benches.

    from tools.infra.kafka_cluster import Cluster

    cluster = Cluster.start(folder, brokers=3)   # or Cluster(folder) for a running one
    cluster.bootstrap                            # "localhost:p1,localhost:p2,localhost:p3"
    leader = cluster.leader_of("stem.x.v1", 0)   # node id, -1 while there is none
    cluster.kill(leader)                         # kill -9 (any signal: kill(id, SIGTERM))
    cluster.wait_for_leader("stem.x.v1", 0, not_in={leader})
    cluster.restart(leader)                      # back on the same ports and data
    cluster.pause(2); cluster.resume(2)          # SIGSTOP / SIGCONT: a slow broker
    cluster.active_controller()                  # node id of the KRaft quorum leader
    cluster.stop()

Everything is synchronous and uses short blocking sockets (Kafka's wire protocol, as
kafka.py's start-up probe does), so it can be called from any thread or from a test while
an asyncio loop runs elsewhere; nothing here blocks for longer than its timeout.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tools.infra import kafka as kafka_tool
from tools.infra import processes

KAFKA_PY = Path(kafka_tool.__file__).resolve()
QUORUM_STATE = Path("data") / "__cluster_metadata-0" / "quorum-state"


@dataclass(frozen=True)
class Node:
    """One combined broker+controller node (its KRaft voter id is its broker id)."""

    id: int
    dir: Path
    port: int
    controller_port: int
    sasl_port: int | None

    @property
    def pid(self) -> int | None:
        """The running JVM's pid (also its process group id), None when it is not running."""
        return kafka_tool.running_pid(self.dir)

    @property
    def bootstrap(self) -> str:
        return f"localhost:{self.port}"

    @property
    def paused(self) -> bool:
        """Stopped by SIGSTOP (by anyone: the process state, not this object's memory)."""
        pid = self.pid
        return pid is not None and processes.process_state(pid) in ("T", "t")


@dataclass(frozen=True)
class PartitionState:
    topic: str
    partition: int
    leader: int  # -1: no leader (an election is due, or no replica in the ISR is alive)
    leader_epoch: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


class ClusterError(Exception):
    pass


def _run_tool(*args: str, timeout: float) -> str:
    proc = subprocess.run(
        [sys.executable, str(KAFKA_PY), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise ClusterError(f"kafka.py {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


class Cluster:
    """A cluster that ``kafka.py start --brokers N --dir folder`` started (``cluster.json``)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder).resolve()
        layout = kafka_tool.read_cluster(self.folder)
        if layout is None:
            raise ClusterError(f"no cluster in {self.folder} (kafka.py start --brokers N)")
        self.cluster_id: str = str(layout["cluster_id"])
        self.nodes: list[Node] = [
            Node(
                id=int(n["id"]),
                dir=kafka_tool.node_dir(self.folder, int(n["id"])),
                port=int(n["port"]),
                controller_port=int(n["controller_port"]),
                sasl_port=int(n["sasl_port"]) if n.get("sasl_port") else None,
            )
            for n in layout["nodes"]
        ]

    # ------------------------------------------------------------------ life cycle

    @classmethod
    def start(
        cls,
        folder: Path | str,
        brokers: int = 3,
        *,
        sasl: bool = False,
        timeout: float = kafka_tool.START_TIMEOUT_S,
    ) -> Cluster:
        """Start (or find running) a cluster of ``brokers`` nodes on free loopback ports."""
        args = ["start", "--dir", str(folder), "--brokers", str(brokers), "--port", "0"]
        if sasl:
            args += ["--sasl-port", "0"]
        _run_tool(*args, "--timeout", str(timeout), timeout=timeout + 120)
        return cls(folder)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every node (paused ones are resumed first, or SIGTERM would wait)."""
        for n in self.nodes:
            if n.paused:
                self.resume(n.id)
        _run_tool(
            "stop", "--dir", str(self.folder), "--timeout", str(timeout), timeout=timeout + 60
        )

    @property
    def bootstrap(self) -> str:
        return ",".join(n.bootstrap for n in self.nodes)

    @property
    def sasl_bootstrap(self) -> str | None:
        if not all(n.sasl_port for n in self.nodes):
            return None
        return ",".join(f"localhost:{n.sasl_port}" for n in self.nodes)

    def node(self, node_id: int) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise ClusterError(f"no node {node_id} in {self.folder}")

    def pid(self, node_id: int) -> int | None:
        return self.node(node_id).pid

    def alive(self) -> list[int]:
        """Ids of the nodes whose JVM runs (paused ones included)."""
        return [n.id for n in self.nodes if n.pid is not None]

    # ------------------------------------------------------------------ faults

    def kill(self, node_id: int, sig: int = signal.SIGKILL) -> int:
        """Send ``sig`` (default SIGKILL: kill -9) to the node; returns the pid it had."""
        pid = self.pid(node_id)
        if pid is None:
            raise ClusterError(f"node {node_id} is not running")
        os.killpg(pid, sig)
        if sig == signal.SIGKILL:
            deadline = time.monotonic() + 10
            while processes.alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        return pid

    def pause(self, node_id: int) -> None:
        """SIGSTOP: the node keeps its sockets but answers nothing (a slow, not a dead, one).
        Returns once the kernel shows it stopped."""
        self.kill(node_id, signal.SIGSTOP)
        self._wait_paused(node_id, True)

    def resume(self, node_id: int) -> None:
        self.kill(node_id, signal.SIGCONT)
        self._wait_paused(node_id, False)

    def _wait_paused(self, node_id: int, paused: bool, within: float = 5.0) -> None:
        node = self.node(node_id)
        deadline = time.monotonic() + within
        while node.paused != paused and time.monotonic() < deadline:
            time.sleep(0.01)

    def restart(
        self, node_id: int, *, graceful: bool = True, timeout: float = kafka_tool.START_TIMEOUT_S
    ) -> float:
        """Stop the node if it runs (SIGTERM, or SIGKILL when not ``graceful``), start it
        again on its ports and data, and wait until it is back in the cluster's metadata.
        Returns the seconds it took."""
        started = time.monotonic()
        pid = self.pid(node_id)
        if pid is not None:
            if self.node(node_id).paused:
                self.resume(node_id)
            if graceful:
                processes.stop_groups([pid], 30.0, kafka_tool.say)
            else:
                self.kill(node_id)
        _run_tool(
            "start",
            "--dir",
            str(self.folder),
            "--only",
            str(node_id),
            "--timeout",
            str(timeout),
            timeout=timeout + 120,
        )
        return time.monotonic() - started

    # ------------------------------------------------------------------ what the cluster says

    def _answering(self) -> list[Node]:
        return [n for n in self.nodes if n.pid is not None and not n.paused]

    def partitions(self, topic: str, timeout: float = 2.0) -> list[PartitionState]:
        """The topic's partitions as the first node that answers sees them."""
        errors = []
        for n in self._answering():
            try:
                return describe_topic("127.0.0.1", n.port, topic, timeout)
            except (OSError, ClusterError) as exc:
                errors.append(f"node {n.id}: {exc}")
        raise ClusterError(f"no node answered a Metadata request for {topic}: {errors}")

    def partition(self, topic: str, partition: int) -> PartitionState:
        for p in self.partitions(topic):
            if p.partition == partition:
                return p
        raise ClusterError(f"{topic} has no partition {partition}")

    def leader_of(self, topic: str, partition: int) -> int:
        """The partition's leader (node id), -1 while it has none."""
        return self.partition(topic, partition).leader

    def isr_of(self, topic: str, partition: int) -> tuple[int, ...]:
        return self.partition(topic, partition).isr

    def wait_for_leader(
        self, topic: str, partition: int, *, not_in: set[int] | None = None, timeout: float = 30.0
    ) -> int:
        """Wait until the partition has a leader outside ``not_in``; return it."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            try:
                leader = self.leader_of(topic, partition)
                last = leader
                if leader >= 0 and leader not in (not_in or set()):
                    return leader
            except ClusterError as exc:
                last = exc
            time.sleep(0.1)
        raise ClusterError(f"{topic}-{partition}: no new leader within {timeout:.0f} s ({last})")

    def active_controller(self) -> int | None:
        """The KRaft quorum leader (the active controller), None during an election.

        A broker's Metadata answer names a random live broker as "controller" under KRaft
        (clients cannot reach controllers), so this reads the quorum state each voter keeps
        (``data/__cluster_metadata-0/quorum-state``, rewritten at every epoch change) of the
        running, unpaused nodes and takes the leader of the newest epoch."""
        best: tuple[int, int] | None = None  # (epoch, leader)
        for n in self._answering():
            try:
                state = json.loads((n.dir / QUORUM_STATE).read_text())
            except (OSError, ValueError):
                continue
            epoch, leader = int(state.get("leaderEpoch", -1)), int(state.get("leaderId", -1))
            if best is None or epoch > best[0]:
                best = (epoch, leader)
        if best is None or best[1] < 0:
            return None
        node = self.node(best[1])
        if node.pid is None or node.paused:
            return None
        return node.id

    def wait_for_controller(self, *, not_in: set[int] | None = None, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            leader = self.active_controller()
            if leader is not None and leader not in (not_in or set()):
                return leader
            time.sleep(0.1)
        raise ClusterError(f"no active controller outside {not_in} within {timeout:.0f} s")


# --------------------------------------------------------------------------- Metadata v8


def _string(data: bytes, off: int) -> tuple[str | None, int]:
    (n,) = struct.unpack_from(">h", data, off)
    off += 2
    if n < 0:
        return None, off
    return data[off : off + n].decode(), off + n


def _int32s(data: bytes, off: int) -> tuple[tuple[int, ...], int]:
    (n,) = struct.unpack_from(">i", data, off)
    off += 4
    n = max(n, 0)
    return struct.unpack_from(f">{n}i", data, off), off + 4 * n


def describe_topic(host: str, port: int, topic: str, timeout: float = 2.0) -> list[PartitionState]:
    """One Metadata v8 request for ``topic`` to one broker: leader, epoch, replicas, ISR."""
    name = topic.encode()
    body = struct.pack(">ih", 1, len(name)) + name + struct.pack(">???", False, False, False)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        data = kafka_tool._request(sock, 3, 8, 7, body)
    off = 4  # throttle_time_ms
    (n_brokers,) = struct.unpack_from(">i", data, off)
    off += 4
    for _ in range(n_brokers):
        off += 4  # node id
        _, off = _string(data, off)  # host
        off += 4  # port
        _, off = _string(data, off)  # rack
    _, off = _string(data, off)  # cluster id
    off += 4  # controller id
    (n_topics,) = struct.unpack_from(">i", data, off)
    off += 4
    result: list[PartitionState] = []
    for _ in range(n_topics):
        (err,) = struct.unpack_from(">h", data, off)
        off += 2
        tname, off = _string(data, off)
        off += 1  # is_internal
        (n_parts,) = struct.unpack_from(">i", data, off)
        off += 4
        for _ in range(n_parts):
            _perr, index, leader, epoch = struct.unpack_from(">hiii", data, off)
            off += 14
            replicas, off = _int32s(data, off)
            isr, off = _int32s(data, off)
            _offline, off = _int32s(data, off)
            result.append(PartitionState(str(tname), index, leader, epoch, replicas, isr))
        off += 4  # topic authorized operations
        if err != 0:
            raise ClusterError(f"Metadata for {tname}: error code {err}")
    return sorted(result, key=lambda p: p.partition)
