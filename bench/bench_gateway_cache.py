"""The same calendar page three ways, side by side: straight from the activities service,
through the gateway uncached, and through the gateway from its response cache (ADR 0016).

The page and the set-up are bench/bench_gateway.py's (50 activities with academy and
municipality, 200 seeded, real uvicorn processes on loopback, SQLite). Uncached: the query
sent as text (never cached). Cached: the same query as a persisted query by GET (hash and
variables), as a partner page or `<stem-kalender>` asks it; the gateway's change feed reads
the platform's topics on `KAFKA_BOOTSTRAP_SERVERS` and the bench waits until answers come
from the cache. The three take turns (direct, uncached, cached, ...), so a drift of the
machine's load falls on all alike. Besides requests/s and p99, the CPU each process spent
per request, and the share of cached answers that were hits (an event on the topics ends
entries: on a broker other runs share, a few misses are expected).

    make bench        # or: python -m bench.bench_gateway_cache
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import psutil

try:
    from bench import bench_gateway as base
    from bench.results import Figure, record
except ModuleNotFoundError:  # run as a script, not a module
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench import bench_gateway as base
    from bench.results import Figure, record

CACHED_TARGET, CACHED_AIM = 1.0, 3.0  # cached gateway requests/s over direct
UNCACHED_TARGET = 0.6
HASH = hashlib.sha256(base.QUERY.encode()).hexdigest()
EXTENSIONS = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": HASH}})
VARIABLES = json.dumps({"first": base.PAGE})


async def measure(ports: dict[str, int], processes: dict[str, psutil.Process]) -> None:
    limits = httpx.Limits(max_connections=base.CONCURRENCY)
    statuses: dict[str, int] = {}
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        direct_url = f"http://127.0.0.1:{ports['activities']}/activities"
        gateway_url = f"http://127.0.0.1:{ports['gateway']}/graphql"
        headers = {"X-API-Key": base.BENCH_KEY}
        get_headers = {**headers, "Accept": "application/json"}
        params = {"extensions": EXTENSIONS, "variables": VARIABLES}

        async def direct() -> None:
            response = await client.get(
                direct_url, params={"limit": base.PAGE}, headers=base.AS_THE_GATEWAY
            )
            assert response.status_code == 200 and len(response.json()["items"]) == base.PAGE

        def check(answer: dict[str, Any]) -> None:
            assert "errors" not in answer, answer
            nodes = answer["data"]["activities"]["nodes"]
            assert len(nodes) == base.PAGE and all(
                n["academy"] and n["municipality"] for n in nodes
            )

        async def uncached() -> None:
            body = {"query": base.QUERY, "variables": {"first": base.PAGE}}
            check((await client.post(gateway_url, json=body, headers=headers)).json())

        async def cached() -> None:
            response = await client.get(gateway_url, params=params, headers=get_headers)
            check(response.json())
            status = response.headers.get("cache-status", "none").split("; ")[-1]
            statuses[status] = statuses.get(status, 0) + 1

        register = {
            "query": base.QUERY,
            "variables": {"first": base.PAGE},
            "extensions": json.loads(EXTENSIONS),
        }
        check((await client.post(gateway_url, json=register, headers=headers)).json())
        for _ in range(600):  # the change feed starts and proves itself current
            response = await client.get(gateway_url, params=params, headers=get_headers)
            if response.headers.get("cache-status", "").endswith("hit"):
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("the gateway never answered from its cache: is Kafka reachable?")
        for warm in (direct, uncached, cached):
            for _ in range(20):
                await warm()
        statuses.clear()
        sides = {"direct": direct, "uncached": uncached, "cached": cached}
        latencies: dict[str, list[float]] = {name: [] for name in sides}
        elapsed = dict.fromkeys(sides, 0.0)
        spent = {name: dict.fromkeys(processes, 0.0) for name in sides}
        for _ in range(base.ROUNDS):
            for name, send in sides.items():
                before = base.cpu_seconds(processes)
                found, took = await base.load(send, base.SECONDS / base.ROUNDS)
                after = base.cpu_seconds(processes)
                latencies[name] += found
                elapsed[name] += took
                for k in after:
                    spent[name][k] += after[k] - before[k]
    results: dict[str, tuple[float, float]] = {}
    cpu: dict[str, dict[str, float]] = {}
    for name in sides:
        count = len(latencies[name])
        p99 = statistics.quantiles(latencies[name], n=100)[98] * 1000
        results[name] = (count / elapsed[name], p99)
        cpu[name] = {k: v * 1000 / count for k, v in spent[name].items()}
        per_process = ", ".join(f"{k} {v:.1f}" for k, v in cpu[name].items())
        print(f"{name:8s} {results[name][0]:8.1f} req/s   p99 {p99:7.1f} ms   ({count} requests)")
        print(f"         CPU ms per request: {per_process}")
    hits = statuses.get("hit", 0) / max(1, sum(statuses.values()))
    print(f"cached answers: {statuses} ({hits:.1%} hits)")
    _record(results, cpu, hits)


def _record(
    results: dict[str, tuple[float, float]], cpu: dict[str, dict[str, float]], hits: float
) -> None:
    direct_rps, direct_p99 = results["direct"]
    how = (
        f"page of {base.PAGE} with academy and municipality, {base.CONCURRENCY} clients, "
        f"{base.SECONDS:.0f} s each in {base.ROUNDS} alternating turns (direct, uncached, "
        f"cached), {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    )
    cached_ratio = results["cached"][0] / direct_rps
    uncached_ratio = results["uncached"][0] / direct_rps
    print(f"cached / direct: {cached_ratio:.2f} (target >= {CACHED_TARGET}, aim {CACHED_AIM})")
    print(f"uncached / direct: {uncached_ratio:.2f} (target >= {UNCACHED_TARGET})")
    per_request = "; ".join(
        f"{name}: " + ", ".join(f"{k} {v:.1f}" for k, v in spent.items())
        for name, spent in cpu.items()
    )
    direct = "the same page straight from the activities service"
    record(
        Figure(
            "gateway_cache",
            "calendar page from the gateway's response cache (persisted GET), requests/s",
            round(results["cached"][0], 1),
            "req/s",
            baseline=direct,
            baseline_value=round(direct_rps, 1),
            target=f">= {CACHED_TARGET} (aim {CACHED_AIM})",
            met=cached_ratio >= CACHED_TARGET,
            note=f"ratio {cached_ratio:.2f} of direct; {hits:.1%} of cached answers were hits; "
            f"{how}",
        )
    )
    record(
        Figure(
            "gateway_cache",
            "calendar page through the gateway uncached (GraphQL), requests/s",
            round(results["uncached"][0], 1),
            "req/s",
            baseline=direct,
            baseline_value=round(direct_rps, 1),
            target=f">= {UNCACHED_TARGET}",
            met=uncached_ratio >= UNCACHED_TARGET,
            note=f"ratio {uncached_ratio:.2f} of direct; the same run; {how}",
        )
    )
    record(
        Figure(
            "gateway_cache",
            "calendar page from the cache, p99",
            round(results["cached"][1], 1),
            "ms",
            baseline="p99 straight from the activities service",
            baseline_value=round(direct_p99, 1),
            note=f"uncached p99 {results['uncached'][1]:.1f} ms; {how}",
        )
    )
    record(
        Figure(
            "gateway_cache",
            "calendar page from the cache, CPU per request (every process)",
            round(sum(cpu["cached"].values()), 1),
            "ms",
            baseline="CPU per request straight from the activities service",
            baseline_value=round(sum(cpu["direct"].values()), 1),
            note=f"ms per request, by process: {per_request}",
        )
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-gateway-cache-") as folder:
        ports = {name: base.free_port() for name in ("registry", "activities", "gateway")}
        env = {
            **os.environ,
            "STEM_DATA_DIR": folder,
            "STEM_ENV": "test",
            "LOG_LEVEL": "WARNING",
            "REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/registry.db",
            "ACTIVITIES_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/activities.db",
            "GATEWAY_PARTNER_API_KEYS": base.BENCH_KEY,
            "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{ports['registry']}",
            "GATEWAY_ACTIVITIES_URL": f"http://127.0.0.1:{ports['activities']}",
            "GATEWAY_COST_BUDGET": "100000000",
            "GATEWAY_COST_REFILL_PER_SECOND": "100000000",
        }
        for service in ("registry", "activities"):
            base.run(env, "-m", f"{service}.entrypoints.cli", "migrate")
        base.run(env, "-m", "registry.entrypoints.cli", "load-reference")
        base.run(env, "-m", "tools.demo", "seed")
        processes = {
            name: base.start(env, f"{name}.entrypoints.api:create_app", ports[name])
            for name in ("registry", "activities", "gateway")
        }
        try:
            asyncio.run(prepare_and_measure(env, ports, processes))
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                process.wait(timeout=10)
    return 0


async def prepare_and_measure(
    env: dict[str, str], ports: dict[str, int], started: dict[str, Any]
) -> None:
    for port in ports.values():
        await base.wait(f"http://127.0.0.1:{port}/healthz")
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"http://127.0.0.1:{ports['registry']}/academies",
            params={"limit": 100},
            headers=base.AS_THE_GATEWAY,
        )
        academies = response.json()
    await base.seed_activities(env, academies)
    print(
        f"machine: {os.cpu_count()} cores; {base.ACTIVITIES} activities, page of {base.PAGE}, "
        f"{base.CONCURRENCY} concurrent clients, {base.SECONDS:.0f} s each "
        f"({base.ROUNDS} alternating turns of direct, uncached, cached)"
    )
    processes = {"client": psutil.Process()}
    processes |= {name: psutil.Process(p.pid) for name, p in started.items()}
    await measure(ports, processes)


if __name__ == "__main__":
    raise SystemExit(main())
