"""The whole platform as real processes, for the benches that need all of it (freshness,
memory): tests/e2e/harness.py's Platform on fresh PostgreSQL databases of the bench
cluster and the bench broker, plus what those benches share: signed deliveries of dated
activities of a linked [DEMO] academy, a GraphQL client, and the wait until the platform
has taken in the registry's reference data.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import make_url

from activities.config import DEV_WEBHOOK_SECRET
from gateway.config import DEV_PARTNER_KEY
from stemkit.storage.db import make_engine
from tests.e2e.harness import SERVICES_WITH_DB, Platform
from tools.send_webhook import signed_headers

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests/e2e/fixtures/academy-event-approved.json"
WARM_UP_ID = "23017cb7-e515-47b4-87c4-780735acc942"  # the fixture's own event
# Registry events the activities consumer must have handled before it can link an activity
# to its academy and municipality (the municipalities and the demo academies; as the e2e test).
REGISTRY_EVENTS = 313

# The measuring clients are not partners to be throttled: the gateway's cost bucket is
# raised for the bench run only (the watcher asks for 100 activities several times a second).
BENCH_GATEWAY_ENV = {"GATEWAY_COST_BUDGET": "100000000", "GATEWAY_COST_REFILL_PER_SECOND": "1e7"}


@asynccontextmanager
async def _database(admin_dsn: str) -> AsyncIterator[str]:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_dsn, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_dsn).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@asynccontextmanager
async def running_platform(logs: str) -> AsyncIterator[Platform]:
    """Every process of the platform, healthy, on fresh databases; stopped afterwards.
    The processes' output goes to var/bench-run/<logs>/<process>.log."""
    admin_dsn = os.environ["STEM_BENCH_POSTGRES_DSN"]
    async with AsyncExitStack() as stack:
        urls = {s: await stack.enter_async_context(_database(admin_dsn)) for s in SERVICES_WITH_DB}
        platform = Platform(
            kafka=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
            database_urls=urls,
            extra_env=BENCH_GATEWAY_ENV,
            artifacts=ROOT / "var" / "bench-run" / logs,
        )
        try:
            await asyncio.to_thread(platform.start)
            await platform.wait_healthy()
            yield platform
        finally:
            await asyncio.to_thread(platform.stop)


async def handled_events(client: httpx.AsyncClient, platform: Platform, process: str) -> float:
    """`stem_events_handled_total` of one consumer process (all its handlers)."""
    port = platform.metrics_ports[process]
    body = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "stem_events_handled_total"
    )


async def wait_for_reference_data(platform: Platform, within: float = 120) -> None:
    """Until both consumers have handled the registry's municipalities and academies."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=5) as client:
        for process in ("activities-consumer", "subsidy-consumer"):
            while await handled_events(client, platform, process) < REGISTRY_EVENTS:
                platform.assert_running()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{process} did not take in the registry's events")
                await asyncio.sleep(0.5)


async def graphql(
    client: httpx.AsyncClient,
    platform: Platform,
    query: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        f"{platform.url('gateway')}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"X-API-Key": DEV_PARTNER_KEY},
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


async def warm_up(platform: Platform, within: float = 60) -> str:
    """Deliver the e2e fixture and wait until GraphQL shows it with its academy: the whole
    path has run once (imports, caches, connections). Returns the academy's id."""
    body = FIXTURE.read_text()
    query = f'{{ activity(id: "{WARM_UP_ID}") {{ id academy {{ id }} }} }}'
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            webhook_url(platform), content=body, headers=signed_headers(DEV_WEBHOOK_SECRET, body)
        )
        response.raise_for_status()
        while time.monotonic() < deadline:
            activity = (await graphql(client, platform, query)).get("activity")
            if activity and activity.get("academy"):
                return str(activity["academy"]["id"])
            platform.assert_running()
            await asyncio.sleep(0.2)
    raise TimeoutError("the warm-up delivery did not become visible in GraphQL")


def webhook_url(platform: Platform) -> str:
    return f"{platform.url('activities')}/webhooks/uitdatabank"


# The dated activities the benches deliver: one every SPACING from FIRST_START, each lasting
# a minute, so an activity's start is its place in the calendar's (start, id) order and a
# `from` filter at one activity's start leaves out the ones before it.
FIRST_START = datetime(2025, 5, 5, 8, 0, tzinfo=UTC)
SPACING = timedelta(minutes=2)


def activity_start(number: int) -> datetime:
    return FIRST_START + number * SPACING


@cache
def _template() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(FIXTURE.read_text())
    return document


def delivery(number: int) -> tuple[str, str, dict[str, str]]:
    """The activity id, body and signed headers of delivery `number`: a new dated activity
    of the fixture's organizer (linked to a [DEMO] academy), in Leuven."""
    document = dict(_template())
    activity_id = str(uuid.uuid4())
    start = activity_start(number)
    document["@id"] = f"http://udb-silex.dev/event/{activity_id}"
    document["name"] = {"nl": f"Robotica-namiddag {number}"}
    document["startDate"] = start.isoformat()
    document["endDate"] = document["availableTo"] = (start + timedelta(minutes=1)).isoformat()
    document["modified"] = datetime.now(UTC).isoformat()
    body = json.dumps(document)
    return activity_id, body, signed_headers(DEV_WEBHOOK_SECRET, body)


def rss_of(platform: Platform) -> dict[str, int]:
    """Resident memory in bytes of each platform process (with any children it forked)."""
    sizes: dict[str, int] = {}
    for name, popen in platform.processes.items():
        try:
            process = psutil.Process(popen.pid)
            family = [process, *process.children(recursive=True)]
            sizes[name] = sum(p.memory_info().rss for p in family)
        except psutil.NoSuchProcess:
            sizes[name] = 0
    return sizes


def _listener(port: int) -> psutil.Process | None:
    for conn in psutil.net_connections(kind="tcp"):
        if (
            conn.status == psutil.CONN_LISTEN
            and conn.laddr
            and conn.laddr.port == port
            and conn.pid
        ):
            return psutil.Process(conn.pid)
    return None


def infrastructure() -> dict[str, psutil.Process]:
    """The bench's PostgreSQL (postmaster) and Kafka processes, found by their ports."""
    found: dict[str, psutil.Process] = {}
    pg_port = make_url(os.environ["STEM_BENCH_POSTGRES_DSN"]).port
    kafka_port = int(os.environ["KAFKA_BOOTSTRAP_SERVERS"].split(",")[0].rsplit(":", 1)[1])
    for name, port in (("postgresql", pg_port), ("kafka", kafka_port)):
        process = _listener(port) if port else None
        if process is not None:
            found[name] = process
    return found


def cpu_seconds(platform: Platform) -> dict[str, float]:
    """CPU time (user + system) used so far by each platform process, PostgreSQL (every
    backend) and Kafka, this bench process, and the whole machine."""
    processes: dict[str, psutil.Process] = {
        name: psutil.Process(popen.pid) for name, popen in platform.processes.items()
    }
    processes.update(infrastructure())
    used: dict[str, float] = {}
    for name, process in processes.items():
        try:
            family = [process, *process.children(recursive=True)]
            used[name] = sum(sum(p.cpu_times()[:2]) for p in family)
        except psutil.NoSuchProcess:
            used[name] = 0.0
    own = psutil.Process().cpu_times()  # the platform's processes are our children: not them
    used["bench client"] = own.user + own.system
    machine = psutil.cpu_times()
    used["machine (all processes)"] = machine.user + machine.system + machine.nice
    return used


KEEP_ALIVE = 4.0  # seconds: below uvicorn's default keep-alive timeout (5 s)


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client on raw sockets, for pre-built requests: the
    sender must cost the two cores as little as possible (httpx's pool costs milliseconds
    of CPU per request once many wait, which starves the platform it measures)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    def request(self, method: str, path: str, body: str, headers: dict[str, str]) -> bytes:
        raw = body.encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head += f"content-length: {len(raw)}\r\n\r\n"
        return head.encode() + raw

    async def send(self, request: bytes) -> int:
        """The response's status; once more on a fresh connection if a kept one was closed
        by the server while idle (uvicorn closes keep-alive connections idle for 5 s)."""
        for attempt in (1, 2):
            reader, writer, reused = await self._connection(fresh=attempt == 2)
            try:
                writer.write(request)
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed by the server")
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if reused and attempt == 1:
                    continue
                raise
            self._idle.append((reader, writer, time.monotonic()))
            return int(status_line.split()[1])
        raise AssertionError("unreachable")

    async def _connection(
        self, *, fresh: bool
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        while self._idle and not fresh:
            reader, writer, since = self._idle.pop()
            if time.monotonic() - since < KEEP_ALIVE:
                return reader, writer, True
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return reader, writer, False

    def close(self) -> None:
        for _, writer, _ in self._idle:
            writer.close()
        self._idle.clear()
