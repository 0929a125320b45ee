"""Memory: resident set size (RSS, psutil) of every process of the platform, idle after the
start and under load, with every process real (real Kafka, PostgreSQL databases).

Idle: after the start, once both consumers have taken in the registry's reference data
and one delivery has gone through the whole path (so each process has imported and
cached what it uses), then BENCH_MEMORY_SETTLE seconds (default 5) of nothing; the
median of three samples. Under load: for BENCH_MEMORY_SECONDS (default 20) signed webhook
deliveries at BENCH_MEMORY_RATE/s (default 100) and, at the same time, GraphQL calendar
pages of 50 activities with their academy and municipality from 4 concurrent clients;
the peak of samples every 0.5 s. A process's RSS includes any child it forked (none do).

Target: idle <= 150 MB per service process (each API, relay, consumer and worker). Baseline for
the load figure: the same process idle.

    make bench        # or, with a broker and database running:
    KAFKA_BOOTSTRAP_SERVERS=... STEM_BENCH_POSTGRES_DSN=... python -m bench.bench_memory
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

import httpx

from bench.live_platform import (
    RawHttp,
    delivery,
    graphql,
    rss_of,
    running_platform,
    wait_for_reference_data,
    warm_up,
    webhook_url,
)
from bench.results import Figure, record
from tests.e2e.harness import Platform

RATE = float(os.environ.get("BENCH_MEMORY_RATE", "100"))
SECONDS = float(os.environ.get("BENCH_MEMORY_SECONDS", "20"))
SETTLE = float(os.environ.get("BENCH_MEMORY_SETTLE", "5"))
READERS = 4
TARGET_MB = 150.0
MB = 1024 * 1024

CALENDAR = """
query Calendar($academy: ID!) {
  activities(first: 50, filter: {academyId: $academy}) {
    nodes { id name occurrences { start end } location { name postalCode nisCode }
            academy { id name } municipality { nisCode name } }
  }
}
"""


async def deliveries(platform: Platform, stop_at: float) -> int:
    http = RawHttp("127.0.0.1", platform.ports["activities"])
    path = httpx.URL(webhook_url(platform)).path
    count = int(RATE * SECONDS)
    requests = []
    for n in range(count):
        _, body, headers = delivery(10_000 + n)  # after the freshness bench's dates
        requests.append(http.request("POST", path, body, headers))
    started = time.perf_counter()

    async def one(n: int) -> None:
        await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
        if time.perf_counter() < stop_at:
            try:
                await http.send(requests[n])
            except (OSError, asyncio.IncompleteReadError) as exc:
                print(f"delivery {n}: {type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(n) for n in range(count)))
    http.close()
    return count


async def readers(platform: Platform, academy_id: str, stop_at: float) -> int:
    done = 0

    async def reader() -> None:
        nonlocal done
        async with httpx.AsyncClient(timeout=30) as client:
            while time.perf_counter() < stop_at:
                await graphql(client, platform, CALENDAR, {"academy": academy_id})
                done += 1

    await asyncio.gather(*(reader() for _ in range(READERS)))
    return done


async def peak_rss(platform: Platform, until: asyncio.Future[tuple[int, int]]) -> dict[str, int]:
    peak: dict[str, int] = {}
    while not until.done():
        for name, size in rss_of(platform).items():
            peak[name] = max(peak.get(name, 0), size)
        await asyncio.sleep(0.5)
    return peak


async def main() -> int:
    async with running_platform("memory-logs") as platform:
        await wait_for_reference_data(platform)
        academy_id = await warm_up(platform)
        await asyncio.sleep(SETTLE)
        samples = []
        for _ in range(3):
            samples.append(rss_of(platform))
            await asyncio.sleep(1)
        idle = {name: int(statistics.median(s[name] for s in samples)) for name in samples[0]}
        stop_at = time.perf_counter() + SECONDS
        load = asyncio.ensure_future(
            asyncio.gather(deliveries(platform, stop_at), readers(platform, academy_id, stop_at))
        )
        peak = await peak_rss(platform, load)
        sent, pages = load.result()
        platform.assert_running()
    print(
        f"idle: after the start and one delivery end to end, {SETTLE:.0f} s quiet, median "
        f"of 3 samples; load: {SECONDS:.0f} s of {RATE:.0f} webhook deliveries/s "
        f"({sent} sent) and {pages} GraphQL calendar pages (50 activities) from "
        f"{READERS} clients; peak of samples every 0.5 s"
    )
    print(f"{'process':<22} {'idle MB':>8} {'load MB':>8}   target idle <= {TARGET_MB:.0f} MB")
    missed = 0
    for name in idle:
        idle_mb, load_mb = idle[name] / MB, peak.get(name, 0) / MB
        met = idle_mb <= TARGET_MB
        missed += not met
        print(f"{name:<22} {idle_mb:8.1f} {load_mb:8.1f}   {'met' if met else 'MISSED'}")
        record(
            Figure(
                "memory",
                f"{name}, idle",
                round(idle_mb, 1),
                "MB",
                target=f"<= {TARGET_MB:.0f} MB",
                met=met,
            )
        )
        record(
            Figure(
                "memory",
                f"{name}, under load (peak)",
                round(load_mb, 1),
                "MB",
                baseline="the same process idle",
                baseline_value=round(idle_mb, 1),
            )
        )
    total_idle = sum(idle.values()) / MB
    total_load = sum(peak.values()) / MB
    print(f"{'all processes':<22} {total_idle:8.1f} {total_load:8.1f}")
    record(
        Figure(
            "memory",
            f"all {len(idle)} processes, under load (peak)",
            round(total_load, 1),
            "MB",
            baseline="all idle",
            baseline_value=round(total_idle, 1),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
