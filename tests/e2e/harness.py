"""Runs the whole platform as real processes, the way `make run` does, for end-to-end tests.

Each service gets a fresh PostgreSQL database; all share the test Kafka broker. Process
output goes to `test-artifacts/e2e/<process>.log` (or `artifacts`), kept for a failed run.
For the chaos suite (tests/chaos) a process can be killed with SIGKILL and started again
on the same ports (`kill`, `restart`, `exited`); `extra_env` adds settings (the poller).
`replicas=2` starts two of every process (the second named `<process>#2`): two of each API
behind a loopback round-robin balancer on the service's port (tests/e2e/balancer.py), and
two of each relay, consumer and worker process (consumer groups of two members, two
delivery workers, two pollers of which the lease holder polls).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from stemkit.settings import DEV_CLI_TOKEN, DEV_OPS_TOKEN

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
SERVICES_WITH_DB = ("registry", "activities", "subsidy")
# The processes beside the APIs, as the Procfile names them (`<service>-<role>`: runs
# `python -m <service>.entrypoints.<role>`, /metrics on `<SERVICE>_<ROLE>_METRICS_PORT`).
PROCESSES = (
    "registry-relay",
    "activities-relay",
    "activities-consumer",
    "activities-worker",
    "subsidy-relay",
    "subsidy-consumer",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Platform:
    kafka: str
    database_urls: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    artifacts: Path = ARTIFACTS
    argv: dict[str, list[str]] = field(default_factory=dict)
    replicas: int = 1
    # Per process instance: its own settings (a replica's API or metrics port).
    instance_env: dict[str, dict[str, str]] = field(default_factory=dict)
    replica_ports: dict[str, int] = field(default_factory=dict)  # "<api>#<n>" -> port
    balancers: list[Any] = field(default_factory=list)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def caller_headers(self, caller: str = "cli") -> dict[str, str]:
        """The `Authorization` a direct call to a service presents: the CLI's token (read and
        ops scopes), or `ops` (every scope); the development defaults unless the
        environment gives others."""
        name, default = {
            "cli": ("STEM_CLI_TOKEN", DEV_CLI_TOKEN),
            "ops": ("STEM_OPS_TOKEN", DEV_OPS_TOKEN),
        }[caller]
        return {"Authorization": f"Bearer {self.env().get(name, default)}"}

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KAFKA_BOOTSTRAP_SERVERS=self.kafka,
            STEM_ENV="test",
            LOG_LEVEL="INFO",
            GATEWAY_REGISTRY_URL=self.url("registry"),
            GATEWAY_ACTIVITIES_URL=self.url("activities"),
            GATEWAY_SUBSIDY_URL=self.url("subsidy"),
        )
        for service, url in self.database_urls.items():
            env[f"{service.upper()}_DATABASE_URL"] = url
        for process, port in self.metrics_ports.items():
            service, role = process.split("-")
            env[f"{service.upper()}_{role.upper()}_METRICS_PORT"] = str(port)
        env.update(self.extra_env)
        return env

    def _cli(self, service: str, *args: str) -> None:
        self._python("-m", f"{service}.entrypoints.cli", *args)

    def _python(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, *args],
            env=self.env(),
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )

    def _spawn(self, name: str, argv: list[str], mode: str = "wb") -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.argv[name] = argv
        log = (self.artifacts / f"{name}.log").open(mode)
        self.processes[name] = subprocess.Popen(
            argv,
            env={**self.env(), **self.instance_env.get(name, {})},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self) -> None:
        for service in ("gateway", *SERVICES_WITH_DB):
            self.ports[service] = free_port()
        for process in PROCESSES:
            self.metrics_ports[process] = free_port()

        def registry() -> None:
            self._cli("registry", "migrate")
            self._cli("registry", "load-reference")
            self._python("-m", "tools.demo", "seed")

        # The three databases are independent: migrate them side by side.
        with ThreadPoolExecutor(max_workers=3) as pool:
            jobs = [pool.submit(registry)]
            jobs += [
                pool.submit(self._cli, service, "migrate")
                for service in SERVICES_WITH_DB
                if service != "registry"
            ]
            for job in jobs:
                job.result()
        for service, port in list(self.ports.items()):
            for name, own_port in self._api_instances(service, port):
                self._spawn(
                    name,
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "--factory",
                        f"{service}.entrypoints.api:create_app",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(own_port),
                        "--no-access-log",
                    ],
                )
        for process in list(self.metrics_ports):
            service, role = process.split("-")
            for n in range(1, self.replicas + 1):
                name = process if n == 1 else f"{process}#{n}"
                if n > 1:  # its own metrics port
                    variable = f"{service.upper()}_{role.upper()}_METRICS_PORT"
                    self.instance_env[name] = {variable: str(free_port())}
                self._spawn(name, [sys.executable, "-m", f"{service}.entrypoints.{role}"])

    def _api_instances(self, service: str, port: int) -> list[tuple[str, int]]:
        """(process name, port) of each replica of an API; with replicas, a balancer on the
        service's own port spreads connections over them."""
        if self.replicas == 1:
            return [(service, port)]
        from tests.e2e.balancer import RoundRobin

        instances = [
            (service if n == 1 else f"{service}#{n}", free_port())
            for n in range(1, self.replicas + 1)
        ]
        for name, own in instances:
            self.replica_ports[name] = own
        balancer = RoundRobin(port, [own for _, own in instances])
        balancer.start()
        self.balancers.append(balancer)
        return instances

    async def wait_healthy(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        urls = [self.url(service) for service in self.ports]
        urls += [f"http://127.0.0.1:{port}" for port in self.replica_ports.values()]
        async with httpx.AsyncClient(timeout=2) as client:
            for service in urls:
                while True:
                    self.assert_running()
                    try:
                        if (await client.get(f"{service}/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{service} did not become healthy")
                    await asyncio.sleep(0.3)

    def assert_running(self) -> None:
        dead = {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}
        assert not dead, f"processes exited: {dead}; see {ARTIFACTS}"

    def kill(self, name: str) -> None:
        """SIGKILL the process (and its group) at once: no shutdown handler runs."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def restart(self, name: str) -> None:
        """Start a stopped process again with the same command, ports and settings; its
        log continues in the same file."""
        if self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is still running")
        self._spawn(name, self.argv[name], mode="ab")

    def exited(self) -> dict[str, int]:
        """The processes that are not running, with their exit codes."""
        return {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for balancer in self.balancers:
            balancer.stop()
