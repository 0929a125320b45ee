"""Webhook intake: signed whole-document deliveries per second into PostgreSQL, with
p50/p99 latency, against the same app's bare endpoint (`/healthz`) in the same run.

The activities app runs as in production (`uvicorn --factory`, one process, no access
log; keep-alive 120 s so that a slow run keeps its connections) on a fresh PostgreSQL
database. A delivery is verified (Standard Webhooks), parsed,
and stored durably before the 202; processing is asynchronous and not measured here.
The client is a minimal HTTP/1.1 keep-alive client on raw sockets with pre-signed
requests, so that it costs the two cores as little as possible.

- throughput: closed loop, CONCURRENCY connections, DELIVERIES requests;
- latency at RATE/s: open loop, requests sent on a fixed schedule for SECONDS;
- the app process's CPU time per request (bare and delivery): unlike the rates, it stays
  comparable when other work shares the two cores.

Each figure is also recorded (bench.results) next to the bare endpoint's, with the targets:
>= TARGET_RATE deliveries/s closed loop, p99 <= TARGET_P99_MS ms at RATE/s.

    make bench        # or, with a database running:
    STEM_BENCH_POSTGRES_DSN=... python -m bench.bench_webhook

BENCH_WITHOUT=direct_route (bypasses of bench/without_bypass.py) then starts a second app
with them switched off on the same database and alternates closed-loop turns of signed
deliveries between the two (BENCH_ROUNDS each; printed per turn, not recorded), so a
bypass is judged side by side in the same run.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import text
from sqlalchemy.engine import make_url
from standardwebhooks.webhooks import Webhook

from bench.results import Figure, record
from bench.without_bypass import SWITCHES
from stemkit.storage.db import make_engine
from tools.flanders import documents, plan, reference

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "services/activities/tests/fixtures/uitdatabank"
DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "6000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
RATE = int(os.environ.get("BENCH_RATE", "300"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
TARGET_RATE = 1000  # deliveries/s, closed loop (issue #4)
TARGET_P99_MS = 50  # at RATE/s
SECRET = "whsec_" + base64.b64encode(b"bench-secret-of-thirty-two-bytes").decode()
DATA = os.environ.get("BENCH_DATA", "flanders")  # or "fixture"
# The launcher's switches named in BENCH_WITHOUT (other words are other benches').
WITHOUT = ",".join(w for w in os.environ.get("BENCH_WITHOUT", "").split() if w in SWITCHES)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))

Request = bytes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@cache
def templates() -> list[dict[str, Any]]:
    """The documents delivered in turn: the synthetic Flanders' (tools/flanders, issue 16:
    periodic courses with their closed days, camps, workshops, French and legacy shapes), or
    with BENCH_DATA=fixture one real UiTdatabank document (the figures before issue 16)."""
    if DATA == "fixture":
        path = DOCUMENT / "udb3-search-service__original-with-multiple-dates.json"
        return [json.loads(path.read_text())]
    built = plan.build()
    return [d for _, v, d in documents.all_documents(built, reference.load()) if v == 1]


def signed_requests(count: int, port: int) -> list[Request]:
    hook, now, out = Webhook(SECRET), datetime.now(UTC), []
    for i in range(count):
        template = templates()[i % len(templates())]
        document = template | {"@id": f"https://io.uitdatabank.be/events/{uuid.uuid4()}"}
        document["modified"] = f"2025-01-01T00:00:{i % 60:02d}+00:00"
        body = json.dumps(document)
        msg_id = f"msg_{uuid.uuid4().hex}"
        signature = hook.sign(msg_id, now, body)
        head = (
            f"POST /webhooks/uitdatabank HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body.encode())}\r\n"
            f"webhook-id: {msg_id}\r\nwebhook-timestamp: {int(now.timestamp())}\r\n"
            f"webhook-signature: {signature}\r\n\r\n"
        )
        out.append(head.encode() + body.encode())
    return out


def bare_requests(count: int, port: int) -> list[Request]:
    return [f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()] * count


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, request: Request) -> int:
        self.writer.write(request)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


async def connections(port: int, n: int) -> list[Connection]:
    return [Connection(*await asyncio.open_connection("127.0.0.1", port)) for _ in range(n)]


def pct(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def closed_loop(
    port: int, requests: list[Request], expected: int
) -> tuple[float, list[float]]:
    pool = await connections(port, CONCURRENCY)
    queue = list(reversed(requests))
    latencies: list[float] = []

    async def worker(conn: Connection) -> None:
        while queue:
            request = queue.pop()
            started = time.perf_counter()
            status = await conn.send(request)
            latencies.append(time.perf_counter() - started)
            assert status == expected, status

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    elapsed = time.perf_counter() - started
    for c in pool:
        c.writer.close()
    return len(requests) / elapsed, latencies


async def open_loop(port: int, requests: list[Request], expected: int) -> list[float]:
    """Requests on a fixed schedule; latency counts from the scheduled time (no
    coordinated omission), on as many connections as are in use at once."""
    idle = await connections(port, 64)
    latencies: list[float] = []
    start = time.perf_counter() + 0.05

    async def one(i: int, request: Request) -> None:
        due = start + i / RATE
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        conn = idle.pop() if idle else Connection(*await asyncio.open_connection("127.0.0.1", port))
        status = await conn.send(request)
        latencies.append(time.perf_counter() - due)
        idle.append(conn)
        assert status == expected, status

    await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
    for c in idle:
        c.writer.close()
    return latencies


async def fresh_database(admin_dsn: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    engine = make_engine(admin_dsn, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(admin_dsn).set(database=name).render_as_string(hide_password=False)


async def stored(url: str) -> int:
    engine = make_engine(url)
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM webhook_deliveries"))
    await engine.dispose()
    return int(count or 0)


def start_app(url: str, port: int, without: str = "") -> subprocess.Popen[bytes]:
    env = os.environ | {
        "ACTIVITIES_DATABASE_URL": url,
        "ACTIVITIES_WEBHOOK_SECRETS": SECRET,
        "LOG_LEVEL": "WARNING",
        "STEM_ENV": "test",
    }
    subprocess.run(
        [sys.executable, "-m", "activities.entrypoints.cli", "migrate"], env=env, check=True
    )
    launcher = ["bench.without_bypass", without] if without else ["uvicorn"]
    uvicorn = [
        sys.executable,
        "-m",
        *launcher,
        "--factory",
        "activities.entrypoints.api:create_app",
    ]
    return subprocess.Popen(
        [
            *uvicorn,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--timeout-keep-alive",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
    )


async def wait_up(port: int) -> None:
    for _ in range(600):  # a minute: the app imports slowly on a busy machine
        try:
            conn = (await connections(port, 1))[0]
            await conn.send(bare_requests(1, port)[0])
            conn.writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise SystemExit("the app did not start")


async def side_by_side(url: str, app: subprocess.Popen[bytes], port: int) -> None:
    """Closed-loop turns of signed deliveries, alternating between `app` and a second app
    with the bypasses of WITHOUT switched off (same database, same machine load)."""
    other_port = free_port()
    other = start_app(url, other_port, WITHOUT)
    try:
        await wait_up(other_port)
        await closed_loop(other_port, signed_requests(500, other_port), 202)
        sides = {"as is": (app, port), f"without {WITHOUT}": (other, other_port)}
        cpu: dict[str, list[float]] = {name: [] for name in sides}
        for turn in range(ROUNDS):
            order = list(sides.items())[:: -1 if turn % 2 else 1]  # A B, B A: drift favours none
            for name, (process, at) in order:
                requests = signed_requests(DELIVERIES // 2, at)
                rate, latencies, used = await measured(process, at, requests, 202)
                cpu[name].append(used)
                print(
                    f"  turn {turn + 1} {name:>22s} {rate:6.0f}/s  p99 {pct(latencies, 0.99):6.2f}"
                    f" ms  app CPU per delivery {used:4.0f} us"
                )
        for name, turns in cpu.items():
            median = statistics.median(turns)
            print(f"{name:>22s}: app CPU per delivery, median of turns {median:.0f} us")
    finally:
        other.terminate()
        other.wait(10)


def line(name: str, rate: float | None, latencies: list[float]) -> str:
    shown = f"{rate:8.0f}/s" if rate is not None else " " * 10
    return (
        f"{name:<34}{shown}  p50 {pct(latencies, 0.5):6.2f} ms  p99 {pct(latencies, 0.99):6.2f} ms"
        f"  mean {statistics.fmean(latencies) * 1000:6.2f} ms"
    )


def server_cpu(app: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) the app's process has used so far."""
    times = psutil.Process(app.pid).cpu_times()
    return float(times.user + times.system)


async def measured(
    app: subprocess.Popen[bytes], port: int, requests: list[Request], expected: int
) -> tuple[float, list[float], float]:
    """Closed-loop rate, latencies, and the app's CPU microseconds per request: the figure
    that stays comparable when other work shares the machine."""
    before = server_cpu(app)
    rate, latencies = await closed_loop(port, requests, expected)
    return rate, latencies, (server_cpu(app) - before) / len(requests) * 1e6


async def main() -> None:
    dsn = os.environ.get("STEM_BENCH_POSTGRES_DSN")
    if not dsn:
        raise SystemExit("STEM_BENCH_POSTGRES_DSN is not set (make bench sets it)")
    url = await fresh_database(dsn)
    port = free_port()
    app = start_app(url, port)
    try:
        await wait_up(port)
        warm: Callable[[int], list[Request]] = lambda n: signed_requests(n, port)  # noqa: E731
        await closed_loop(port, warm(500), 202)
        bare_rate, bare_lat, bare_cpu = await measured(
            app, port, bare_requests(DELIVERIES, port), 200
        )
        hook_rate, hook_lat, hook_cpu = await measured(
            app, port, signed_requests(DELIVERIES, port), 202
        )
        paced = int(RATE * SECONDS)
        bare_paced = await open_loop(port, bare_requests(paced, port), 200)
        hook_paced = await open_loop(port, signed_requests(paced, port), 202)
        count = await stored(url)
        if WITHOUT:
            await side_by_side(url, app, port)
    finally:
        app.terminate()
        app.wait(10)
    sample = signed_requests(len(templates()), port)
    size = round(sum(len(r) for r in sample) / len(sample))  # the documents differ in size
    print(
        f"activities webhook, {DATA} documents, {size} B requests on average, "
        f"{CONCURRENCY} connections, one uvicorn process"
    )
    print(line("bare GET /healthz (closed loop)", bare_rate, bare_lat))
    print(line("signed delivery -> PG (closed)", hook_rate, hook_lat))
    print(line(f"bare GET /healthz at {RATE}/s", None, bare_paced))
    print(line(f"signed delivery -> PG at {RATE}/s", None, hook_paced))
    print(f"app CPU per request: bare {bare_cpu:.0f} us, signed delivery {hook_cpu:.0f} us")
    expected, ratio = 500 + DELIVERIES + paced, hook_rate / bare_rate
    print(f"deliveries stored: {count} (expected {expected}); throughput ratio to bare {ratio:.2f}")
    record_figures(
        size=size,
        stored_ok=count == expected,
        closed=(hook_rate, hook_lat, hook_cpu),
        bare=(bare_rate, bare_lat, bare_cpu),
        paced=hook_paced,
        bare_paced=bare_paced,
    )


def record_figures(
    *,
    size: int,
    stored_ok: bool,
    closed: tuple[float, list[float], float],
    bare: tuple[float, list[float], float],
    paced: list[float],
    bare_paced: list[float],
) -> None:
    """One Figure per printed figure, each next to the bare endpoint measured the same way."""
    (hook_rate, hook_lat, hook_cpu), (bare_rate, bare_lat, bare_cpu) = closed, bare
    bare_closed = "bare GET /healthz of the same app, closed loop, same run"
    how = (
        f"{DATA} documents (BENCH_DATA), {size} B signed requests on average, "
        f"{CONCURRENCY} connections, one uvicorn process"
    )
    lost = "" if stored_ok else "; NOT every 202 was found stored"
    figures = [
        Figure(
            "webhook",
            "signed deliveries into PostgreSQL, closed loop",
            round(hook_rate),
            "deliveries/s",
            baseline=bare_closed,
            baseline_value=round(bare_rate),
            target=f">= {TARGET_RATE}",
            met=hook_rate >= TARGET_RATE and stored_ok,
            note=f"{how}; {DELIVERIES} deliveries{lost}",
        ),
        Figure(
            "webhook",
            "signed delivery latency p50, closed loop",
            round(pct(hook_lat, 0.5), 2),
            "ms",
            baseline=bare_closed,
            baseline_value=round(pct(bare_lat, 0.5), 2),
            note=how,
        ),
        Figure(
            "webhook",
            "signed delivery latency p99, closed loop",
            round(pct(hook_lat, 0.99), 2),
            "ms",
            baseline=bare_closed,
            baseline_value=round(pct(bare_lat, 0.99), 2),
            note=how,
        ),
        Figure(
            "webhook",
            "app CPU per signed delivery, closed loop",
            round(hook_cpu),
            "us",
            baseline=bare_closed,
            baseline_value=round(bare_cpu),
            note="user + system CPU of the uvicorn process per request; comparable on a "
            "busy machine where rates are not",
        ),
    ]
    bare_open = f"bare GET /healthz of the same app at {RATE}/s, same run"
    paced_how = f"open loop at {RATE}/s for {SECONDS:g} s, latency from the scheduled send"
    figures += [
        Figure(
            "webhook",
            f"signed delivery latency p50 at {RATE}/s",
            round(pct(paced, 0.5), 2),
            "ms",
            baseline=bare_open,
            baseline_value=round(pct(bare_paced, 0.5), 2),
            note=paced_how,
        ),
        Figure(
            "webhook",
            f"signed delivery latency p99 at {RATE}/s",
            round(pct(paced, 0.99), 2),
            "ms",
            baseline=bare_open,
            baseline_value=round(pct(bare_paced, 0.99), 2),
            target=f"<= {TARGET_P99_MS}",
            met=pct(paced, 0.99) <= TARGET_P99_MS and stored_ok,
            note=paced_how + lost,
        ),
    ]
    for figure in figures:
        record(figure)


if __name__ == "__main__":
    asyncio.run(main())
