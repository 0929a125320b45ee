"""The faults: SIGKILL of every platform process at seeded moments (each restarted after a
short, seeded pause), one Kafka restart and one PostgreSQL restart (stop, then start on
the same folder and port), and a supervisor that starts again any process that exits by
itself meanwhile (as Kubernetes would), counting those exits apart."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos.console import say
from tests.chaos.stalls import Window
from tests.e2e.harness import ROOT, Platform

PROCESSES = (
    "gateway",
    "registry",
    "activities",
    "subsidy",
    "registry-relay",
    "activities-relay",
    "activities-consumer",
    "subsidy-relay",
    "subsidy-consumer",
)


KAFKA_START_TIMEOUT = 240  # seconds


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

    @property
    def kafka_dir(self) -> Path:
        return self.folder / "kafka"

    @property
    def pg_dir(self) -> Path:
        return self.folder / "pg"

    def start(self) -> None:
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


def fault_plan(seed: int, steps: int, kills_per_process: int) -> list[Fault]:
    """Moments by workload progress (the nth change sent), drawn from the seed: kills
    spread over 5-90 %, Kafka's restart in 25-45 %, PostgreSQL's in 55-75 %."""
    rng = random.Random(f"{seed}:faults")
    faults = [
        Fault(
            rng.randrange(int(steps * 0.05), max(int(steps * 0.9), 1)), name, rng.uniform(0.1, 2.0)
        )
        for name in PROCESSES
        for _ in range(kills_per_process)
    ]
    faults.append(Fault(int(steps * rng.uniform(0.25, 0.45)), "kafka", 0))
    faults.append(Fault(int(steps * rng.uniform(0.55, 0.75)), "postgres", 0))
    return sorted(faults, key=lambda f: f.at_step)


@dataclass
class FaultFigures:
    kills: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)  # exited by themselves
    restarts: dict[str, float] = field(default_factory=dict)  # kafka/postgres -> seconds down
    log: list[str] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)  # what was down, when (monotonic)


class Chaos:
    def __init__(self, platform: Platform, infra: Infra, faults: list[Fault]) -> None:
        self.platform = platform
        self.infra = infra
        self.faults = faults
        self.figures = FaultFigures()
        self._down: set[str] = set()  # killed by us, restart pending
        self._started = time.monotonic()

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
