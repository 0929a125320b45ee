"""The faults: SIGKILL of every platform process at seeded moments (each restarted after a
short, seeded pause), one Kafka restart and one PostgreSQL restart (stop, then start on
the same folder and port), and a supervisor that starts again any process that exits by
itself meanwhile (as Kubernetes would), counting those exits apart.

On a 3-node cluster (`make chaos CLUSTER=1`) with two replicas of every process, the kill
of each process hits one of its replicas (drawn), and instead of one Kafka restart the
brokers are hit one at a time: `kill -9` of the leader of the busiest partition of the
activity topic, `kill -9` of the active controller (each started again after a pause),
and a SIGSTOP of a broker for some seconds (SIGCONT after)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tests.chaos.console import say
from tests.chaos.stalls import Window
from tests.e2e.harness import PROCESSES as PLATFORM_PROCESSES
from tests.e2e.harness import ROOT, SERVICES_WITH_DB, Platform
from tools.infra.kafka_cluster import Cluster

# Every process of the platform (the Procfile's), each killed once with SIGKILL.
PROCESSES = ("gateway", *SERVICES_WITH_DB, *PLATFORM_PROCESSES)


KAFKA_START_TIMEOUT = 240  # seconds
# The cluster's broker faults (fault names): the leader of the busiest partition killed,
# the active controller killed, a broker paused (SIGSTOP) for `BROKER_PAUSE` seconds.
BROKER_FAULTS = ("kafka:leader", "kafka:controller", "kafka:pause")
BROKER_PAUSE = 8.0


def _tool(name: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "infra" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _value(output: str, key: str) -> str:
    for line in output.splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1].strip()
    raise RuntimeError(f"no {key}= in {output!r}")


@dataclass
class Infra:
    """The runner's own Kafka and PostgreSQL, in folders it owns."""

    folder: Path
    kafka_port: int = 0
    pg_port: int = 0
    bootstrap: str = ""
    database_urls: dict[str, str] = field(default_factory=dict)
    brokers: int = 1  # 3: a KRaft cluster (tools/infra/kafka_cluster.py)
    cluster: Cluster | None = None

    @property
    def kafka_dir(self) -> Path:
        return self.folder / "kafka"

    @property
    def pg_dir(self) -> Path:
        return self.folder / "pg"

    def start(self) -> None:
        if self.brokers > 1:
            self.cluster = Cluster.start(
                self.kafka_dir, self.brokers, timeout=float(KAFKA_START_TIMEOUT)
            )
            self.bootstrap = self.cluster.bootstrap
        else:
            self._start_broker()
        self._start_postgres()

    def _start_broker(self) -> None:
        out = _tool(
            "kafka.py",
            "start",
            "--dir",
            str(self.kafka_dir),
            "--port",
            str(self.kafka_port),
            "--timeout",
            str(KAFKA_START_TIMEOUT),
        )
        self.bootstrap = _value(out, "bootstrap")
        self.kafka_port = int(self.bootstrap.rsplit(":", 1)[1])

    def _start_postgres(self) -> None:
        out = _tool("postgres.py", "start", "--dir", str(self.pg_dir), "--port", str(self.pg_port))
        self.pg_port = int(_value(out, "port"))
        state = json.loads((self.pg_dir / "postgres.json").read_text())
        if Path(state.get("cluster_dir", "")).resolve() != self.pg_dir.resolve():
            # postgres.py put the cluster in a throwaway folder (its OS user cannot reach
            # ours), which `stop` deletes: a restart would lose every database.
            raise RuntimeError(f"PostgreSQL's OS user cannot reach {self.pg_dir}; pick --dir")
        self.database_urls = {
            service: _value(out, f"{service.upper()}_DATABASE_URL")
            for service in ("registry", "activities", "subsidy")
        }
        _tool("topics.py", "--bootstrap", self.bootstrap)

    def restart_kafka(self) -> float:
        started = time.monotonic()
        _tool("kafka.py", "stop", "--dir", str(self.kafka_dir))
        # On a loaded machine the broker may need longer than kafka.py's 90 s to load its
        # metadata again, and kafka.py stops a broker that is late: wait longer, and start
        # it once more if even that fails (the time down counts it all).
        for attempt in (1, 2):
            try:
                _tool(
                    "kafka.py",
                    "start",
                    "--dir",
                    str(self.kafka_dir),
                    "--port",
                    str(self.kafka_port),
                    "--timeout",
                    str(KAFKA_START_TIMEOUT),
                )
            except RuntimeError as exc:
                if attempt == 2:
                    raise
                say(f"Kafka did not come back ({str(exc)[:200]}); starting it again")
            else:
                break
        return time.monotonic() - started

    def restart_postgres(self) -> float:
        started = time.monotonic()
        _tool("postgres.py", "stop", "--dir", str(self.pg_dir))
        _tool("postgres.py", "start", "--dir", str(self.pg_dir), "--port", str(self.pg_port))
        return time.monotonic() - started

    def stop(self) -> None:
        if self.brokers > 1:  # the cluster's nodes (resumed first if paused)
            try:
                (self.cluster or Cluster(self.kafka_dir)).stop()
            except Exception as exc:
                say(f"cluster stop: {exc}")
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                _tool("postgres.py", "stop", "--dir", str(self.pg_dir))
            return
        for tool, folder in (("kafka.py", self.kafka_dir), ("postgres.py", self.pg_dir)):
            try:
                _tool(tool, "stop", "--dir", str(folder))
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                say(f"{tool} stop: {exc}")


@dataclass(frozen=True)
class Fault:
    at_step: int
    what: str  # a process name, "kafka" or "postgres"
    pause: float  # seconds before the process is started again


def fault_plan(
    seed: int, steps: int, kills_per_process: int, *, replicas: int = 1, cluster: bool = False
) -> list[Fault]:
    """Moments by workload progress (the nth change sent), drawn from the seed: kills
    spread over 5-90 %, Kafka's restart in 25-45 %, PostgreSQL's in 55-75 %. With
    `replicas`, each kill hits a drawn replica; on a `cluster`, the broker faults take
    Kafka's restart's place: the leader in 15-30 %, the controller in 35-50 %, the pause
    in 78-88 % (one broker at a time)."""
    rng = random.Random(f"{seed}:faults")
    faults = [
        Fault(
            rng.randrange(int(steps * 0.05), max(int(steps * 0.9), 1)), name, rng.uniform(0.1, 2.0)
        )
        for name in PROCESSES
        for _ in range(kills_per_process)
    ]
    kafka = Fault(int(steps * rng.uniform(0.25, 0.45)), "kafka", 0)
    faults.append(Fault(int(steps * rng.uniform(0.55, 0.75)), "postgres", 0))
    if replicas > 1:  # its own stream: the single-node plan stays as it was
        pick = random.Random(f"{seed}:replicas")
        faults = [
            replace(f, what=_replica(f.what, pick.randrange(1, replicas + 1)))
            if f.what in PROCESSES
            else f
            for f in faults
        ]
    if not cluster:
        faults.append(kafka)
    else:
        brokers = random.Random(f"{seed}:brokers")
        for what, (low, high) in zip(
            BROKER_FAULTS, ((0.15, 0.30), (0.35, 0.50), (0.78, 0.88)), strict=True
        ):
            pause = BROKER_PAUSE if what == "kafka:pause" else brokers.uniform(2.0, 6.0)
            faults.append(Fault(int(steps * brokers.uniform(low, high)), what, pause))
    return sorted(faults, key=lambda f: f.at_step)


def _replica(process: str, n: int) -> str:
    return process if n == 1 else f"{process}#{n}"


@dataclass
class FaultFigures:
    kills: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)  # exited by themselves
    restarts: dict[str, float] = field(default_factory=dict)  # kafka/postgres -> seconds down
    log: list[str] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)  # what was down, when (monotonic)
    brokers_hit: dict[str, int] = field(default_factory=dict)  # broker fault -> node id


class Chaos:
    def __init__(self, platform: Platform, infra: Infra, faults: list[Fault]) -> None:
        self.platform = platform
        self.infra = infra
        self.faults = faults
        self.figures = FaultFigures()
        self._down: set[str] = set()  # killed by us, restart pending
        self._started = time.monotonic()
        self._brokers = asyncio.Lock()  # one broker fault at a time (RF 3, min ISR 2)
        self.busiest: Callable[[], Awaitable[int]] | None = None  # partition to hit

    def _note(self, text: str) -> None:
        line = f"[{time.monotonic() - self._started:7.1f} s] {text}"
        self.figures.log.append(line)
        say(line)

    async def inject(self, progress: Callable[[], int]) -> None:
        """Each fault when the workload reaches its step; restarts run in a thread so the
        workload keeps flowing meanwhile."""
        restarts = []
        for fault in self.faults:
            while progress() < fault.at_step:  # noqa: ASYNC110 - a counter, not an event
                await asyncio.sleep(0.05)
            if fault.what in ("kafka", "postgres"):
                restarts.append(asyncio.create_task(self._restart_infra(fault.what)))
            elif fault.what in BROKER_FAULTS:
                restarts.append(asyncio.create_task(self._broker_fault(fault)))
            else:
                restarts.append(asyncio.create_task(self._kill(fault)))
        await asyncio.gather(*restarts)

    async def _kill(self, fault: Fault) -> None:
        name = fault.what
        if name in self._down:
            return
        self._down.add(name)
        began = time.monotonic()
        try:
            self.platform.kill(name)
            self.figures.kills[name] += 1
            self._note(f"kill -9 {name}; restart in {fault.pause:.1f} s")
            await asyncio.sleep(fault.pause)
            self.platform.restart(name)
        finally:
            self._down.discard(name)
            self.figures.windows.append(Window(name, began, time.monotonic()))

    async def _broker_fault(self, fault: Fault) -> None:
        """One fault of one broker of the cluster; the next waits until it is back."""
        cluster = self.infra.cluster
        assert cluster is not None
        async with self._brokers:
            node = await self._broker_for(cluster, fault.what)
            self.figures.brokers_hit[fault.what] = node
            began = time.monotonic()
            try:
                if fault.what == "kafka:pause":
                    await asyncio.to_thread(cluster.pause, node)
                    self._note(f"SIGSTOP broker {node}; SIGCONT in {fault.pause:.0f} s")
                    await asyncio.sleep(fault.pause)
                    await asyncio.to_thread(cluster.resume, node)
                    self._note(f"SIGCONT broker {node}")
                else:
                    await asyncio.to_thread(cluster.kill, node)
                    self._note(f"kill -9 broker {node} ({fault.what.split(':')[1]})")
                    await asyncio.sleep(fault.pause)
                    seconds = await asyncio.to_thread(
                        cluster.restart, node, timeout=float(KAFKA_START_TIMEOUT)
                    )
                    self.figures.restarts[f"broker {node} ({fault.what})"] = round(
                        fault.pause + seconds, 1
                    )
                    self._note(f"broker {node} back after {fault.pause + seconds:.1f} s")
            finally:
                self.figures.windows.append(Window(fault.what, began, time.monotonic()))

    async def _broker_for(self, cluster: Cluster, what: str) -> int:
        if what == "kafka:controller":
            found = await asyncio.to_thread(cluster.wait_for_controller, timeout=60.0)
            return int(found)
        if what == "kafka:leader" and self.busiest is not None:
            with contextlib.suppress(Exception):
                leader = await self.busiest()
                if leader >= 0:
                    return leader
        # the pause (or no leader found): a broker that is not the active controller
        controller = await asyncio.to_thread(cluster.active_controller)
        others = [n.id for n in cluster.nodes if n.id != controller]
        return random.Random(f"{what}:{self._started}").choice(others or [cluster.nodes[0].id])

    async def _restart_infra(self, what: str) -> None:
        self._note(f"restarting {what}")
        restart = self.infra.restart_kafka if what == "kafka" else self.infra.restart_postgres
        began = time.monotonic()
        try:
            seconds = await asyncio.to_thread(restart)
        finally:
            self.figures.windows.append(Window(what, began, time.monotonic()))
        self.figures.restarts[what] = round(seconds, 1)
        self._note(f"{what} back after {seconds:.1f} s")

    def supervise_once(self) -> None:
        for name, code in self.platform.exited().items():
            if name in self._down:
                continue
            self.figures.exits[name] += 1
            self._note(f"{name} exited by itself (code {code}); starting it again")
            self.platform.restart(name)  # its stalls are not excused: no fault window

    async def supervise(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.supervise_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
