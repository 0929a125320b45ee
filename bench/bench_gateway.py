"""A calendar page through the gateway against the same data straight from the activities service.

The page: 50 activities with their academy and municipality. Direct: `GET /activities?limit=50`
of the activities service (its own JSON, without academy names or municipalities). Through
the gateway: the GraphQL query below. Its first page costs one activities call and two
registry calls (academies in a batch, the year's municipalities); the gateway keeps the
registry's reference answers (municipalities 5 minutes, academies found 1 minute), so after
the warm-up a page costs one activities call, as a partner calendar paging through does.
Real processes (uvicorn, one worker each) on loopback, SQLite files in a temporary folder,
the same seeded data for both. The two take turns (direct, gateway, direct, ...: three
turns of 4 s each by default), so a change in the machine's load during the run falls on
both alike. Besides requests/s and p99, the CPU each process spent per request (the
bench's own client included), which reads right on a loaded machine too.

    make bench        # or: python bench/bench_gateway.py
    BENCH_SECONDS=10 BENCH_CONCURRENCY=16 python bench/bench_gateway.py

BENCH_WITHOUT="leaves gc" (bypasses of bench/without_bypass.py; "leaves,gc" is one gateway
with both off) starts one more gateway per word with those bypasses switched off; each takes
its turns with the others (printed, every turn; not recorded), so a bypass is judged side
by side in the same run.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psutil

try:
    from bench.results import Figure, record
except ModuleNotFoundError:  # run as a script (python bench/bench_gateway.py), not a module
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.results import Figure, record

from bench.without_bypass import SWITCHES
from stemkit.settings import DEV_GATEWAY_TOKEN

ROOT = Path(__file__).resolve().parents[1]
# STEM_ENV=test: keys of 32 characters at least (stemkit.settings.MIN_SECRET_LENGTH).
BENCH_KEY = "bench-partner-key-of-32-characters-at-least"
# The direct reads present what the gateway presents: its own service token.
AS_THE_GATEWAY = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}
TARGET = 0.5  # gateway requests/s over direct requests/s
SECONDS = float(os.environ.get("BENCH_SECONDS", "12"))
# Direct and gateway take turns (ABAB...), SECONDS / ROUNDS each turn, so a drift of the
# machine's load during the run (the bench before it winding down) falls on both alike.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
# One more gateway per word of the launcher's switches (other words are other benches').
WITHOUT = [
    w for w in os.environ.get("BENCH_WITHOUT", "").split() if set(w.split(",")) <= set(SWITCHES)
]
ACTIVITIES = int(os.environ.get("BENCH_ACTIVITIES", "200"))
PAGE = 50
DOCUMENT = (
    ROOT / "services/activities/tests/fixtures/uitdatabank/udb3-search-service__original.json"
)
QUERY = """query($first: Int!) { activities(first: $first) { nodes { id name
  occurrences { start end } location { name postalCode locality }
  municipality { nisCode name province } academy { id name } } } }"""
PLACES = [
    ("24062", "Leuven", "Vlaams-Brabant", "3000"),
    ("44021", "Gent", "Oost-Vlaanderen", "9000"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, *args], env=env, check=True, cwd=ROOT, capture_output=True)


async def seed_activities(env: dict[str, str], academies: list[dict[str, Any]]) -> None:
    """Straight through the activities service's own catalogue, as its tests do."""
    os.environ.update(env)
    from activities.bootstrap import open_database
    from activities.config import Settings
    from activities.service_layer.catalogue import ingest_document
    from activities.service_layer.handlers import handle_event as handle_registry_event
    from stemkit.contracts import CATALOG
    from stemkit.contracts.registry import AcademyRegistered, MunicipalityDefined

    database = open_database(Settings())
    sessions = database.session_factory
    events: list[Any] = [
        MunicipalityDefined(
            nis_code=nis,
            name_nl=name,
            province_nl=province,
            valid_from=date(2019, 1, 1),
            postal_codes=[code],
        )
        for nis, name, province, code in PLACES
    ]
    events += [
        AcademyRegistered(
            academy_id=a["id"], name=a["name"], uit_organizer_ids=a["uit_organizer_ids"]
        )
        for a in academies
        if a["uit_organizer_ids"]
    ]
    for payload in events:
        async with sessions.begin() as session:
            await handle_registry_event(
                session, CATALOG.new_event(payload, source="/stem/registry")
            )
    organizers = [a["uit_organizer_ids"][0] for a in academies if a["uit_organizer_ids"]]
    base = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    for n in range(ACTIVITIES):
        document = json.loads(json.dumps(base))
        document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
        document["name"] = {"nl": f"Robotkamp {n}"}
        start = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00+01:00"
        document["startDate"], document["endDate"] = start, start.replace("T10:", "T12:")
        document["workflowStatus"] = "APPROVED"
        _, place, _, code = PLACES[n % 2]
        document["location"]["address"]["nl"] |= {"postalCode": code, "addressLocality": place}
        document["organizer"] = {
            "@id": f"https://io.uitdatabank.be/organizers/{organizers[n % len(organizers)]}"
        }
        async with sessions.begin() as session:
            await ingest_document(session, document)
    await database.dispose()


def start(env: dict[str, str], app: str, port: int, without: str = "") -> subprocess.Popen[bytes]:
    launcher = ["bench.without_bypass", without] if without else ["uvicorn"]
    command = [
        sys.executable,
        "-m",
        *launcher,
        "--factory",
        app,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT)


async def wait(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(1200):  # the registry loads its reference files at startup
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(processes: dict[str, psutil.Process]) -> dict[str, float]:
    """User + system CPU seconds so far of the bench's client and of each service."""
    return {name: sum(p.cpu_times()[:2]) for name, p in processes.items()}


async def load(send: Any, seconds: float) -> tuple[list[float], float]:
    """The latencies of `send` from CONCURRENCY workers for `seconds`, and the time taken."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            await send()
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies, time.perf_counter() - began


async def measure(ports: dict[str, int], processes: dict[str, psutil.Process]) -> None:
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        direct_url = f"http://127.0.0.1:{ports['activities']}/activities"
        gateway_url = f"http://127.0.0.1:{ports['gateway']}/graphql"
        body = {"query": QUERY, "variables": {"first": PAGE}}
        headers = {"X-API-Key": BENCH_KEY}

        async def direct() -> None:
            response = await client.get(direct_url, params={"limit": PAGE}, headers=AS_THE_GATEWAY)
            assert response.status_code == 200 and len(response.json()["items"]) == PAGE

        async def page(url: str) -> None:
            response = await client.post(url, json=body, headers=headers)
            answer = response.json()
            assert "errors" not in answer, answer
            nodes = answer["data"]["activities"]["nodes"]
            assert len(nodes) == PAGE and all(n["academy"] and n["municipality"] for n in nodes)

        async def through_gateway() -> None:
            await page(gateway_url)

        sides = {"direct": direct, "gateway": through_gateway}
        for off in WITHOUT:
            sides[f"without {off}"] = partial(page, f"http://127.0.0.1:{ports[off]}/graphql")
        for warm in sides.values():
            for _ in range(20):
                await warm()
        latencies: dict[str, list[float]] = {name: [] for name in sides}
        elapsed = dict.fromkeys(sides, 0.0)
        spent = {name: dict.fromkeys(processes, 0.0) for name in sides}
        for turn in range(ROUNDS):
            order = list(sides.items())
            if WITHOUT and turn % 2:  # A B C, C B A, ...: a drift of load favours none
                order.reverse()
            for name, send in order:
                before = cpu_seconds(processes)
                found, took = await load(send, SECONDS / ROUNDS)
                after = cpu_seconds(processes)
                latencies[name] += found
                elapsed[name] += took
                for k in after:
                    spent[name][k] += after[k] - before[k]
                if WITHOUT:  # every turn, to judge a bypass on more than the best of them
                    used = {k: (after[k] - before[k]) * 1000 / len(found) for k in after}
                    print(
                        f"  turn {name:>20s} {len(found) / took:7.1f} req/s   CPU ms per request: "
                        + ", ".join(f"{k} {v:.2f}" for k, v in used.items())
                    )
        results = {}
        cpu = {}
        for name in sides:
            count = len(latencies[name])
            p99 = statistics.quantiles(latencies[name], n=100)[98] * 1000
            results[name] = (count / elapsed[name], p99, count)
            cpu[name] = {k: v * 1000 / count for k, v in spent[name].items()}
            per_process = ", ".join(f"{k} {v:.1f}" for k, v in cpu[name].items())
            rps = results[name][0]
            print(f"{name:8s} {rps:8.1f} req/s   p99 {p99:7.1f} ms   ({count} requests)")
            print(f"         CPU ms per request: {per_process}")
    ratio = results["gateway"][0] / results["direct"][0]
    print(f"gateway / direct: {ratio:.2f} (target >= {TARGET})")
    for off in WITHOUT:
        other = results[f"without {off}"][0] / results["direct"][0]
        print(f"gateway without {off} / direct: {other:.2f}")
        del results[f"without {off}"], cpu[f"without {off}"]
    _record(ratio, results, cpu)


def _record(
    ratio: float,
    results: dict[str, tuple[float, float, int]],
    cpu: dict[str, dict[str, float]],
) -> None:
    (direct_rps, direct_p99, _), (gateway_rps, gateway_p99, _) = results.values()
    load_1m = os.getloadavg()[0]
    how = (
        f"page of {PAGE} with academy and municipality, {CONCURRENCY} clients, {SECONDS:.0f} s "
        f"each in {ROUNDS} alternating turns, {os.cpu_count()} cores, load average "
        f"{load_1m:.1f} at the end"
    )
    per_request = "; ".join(
        f"{name}: " + ", ".join(f"{k} {v:.1f}" for k, v in spent.items())
        for name, spent in cpu.items()
    )
    record(
        Figure(
            "gateway",
            "calendar page through the gateway (GraphQL), requests/s",
            round(gateway_rps, 1),
            "req/s",
            baseline="the same page straight from the activities service",
            baseline_value=round(direct_rps, 1),
            target=f">= {TARGET}",
            met=ratio >= TARGET,
            note=f"ratio {ratio:.2f} of direct; {how}",
        )
    )
    record(
        Figure(
            "gateway",
            "calendar page through the gateway (GraphQL), p99",
            round(gateway_p99, 1),
            "ms",
            baseline="p99 straight from the activities service",
            baseline_value=round(direct_p99, 1),
            note=how,
        )
    )
    record(
        Figure(
            "gateway",
            "calendar page through the gateway, CPU per request (every process)",
            round(sum(cpu["gateway"].values()), 1),
            "ms",
            baseline="CPU per request straight from the activities service",
            baseline_value=round(sum(cpu["direct"].values()), 1),
            note=f"ms per request, by process: {per_request}",
        )
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as folder:
        ports = {name: free_port() for name in ("registry", "activities", "gateway", *WITHOUT)}
        env = {
            **os.environ,
            "STEM_DATA_DIR": folder,
            "STEM_ENV": "test",
            "LOG_LEVEL": "WARNING",
            "REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/registry.db",
            "ACTIVITIES_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/activities.db",
            "GATEWAY_PARTNER_API_KEYS": BENCH_KEY,
            "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{ports['registry']}",
            "GATEWAY_ACTIVITIES_URL": f"http://127.0.0.1:{ports['activities']}",
            "GATEWAY_COST_BUDGET": "100000000",
            "GATEWAY_COST_REFILL_PER_SECOND": "100000000",
        }
        for service in ("registry", "activities"):
            run(env, "-m", f"{service}.entrypoints.cli", "migrate")
        run(env, "-m", "registry.entrypoints.cli", "load-reference")
        run(env, "-m", "tools.demo", "seed")
        processes = {
            name: start(env, f"{name}.entrypoints.api:create_app", ports[name])
            for name in ("registry", "activities", "gateway")
        }
        for off in WITHOUT:
            app = "gateway.entrypoints.api:create_app"
            processes[off] = start(env, app, ports[off], off)
        try:
            asyncio.run(prepare_and_measure(env, ports, processes))
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                process.wait(timeout=10)
    return 0


async def prepare_and_measure(
    env: dict[str, str], ports: dict[str, int], started: dict[str, subprocess.Popen[bytes]]
) -> None:
    for port in ports.values():
        await wait(f"http://127.0.0.1:{port}/healthz")
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"http://127.0.0.1:{ports['registry']}/academies",
            params={"limit": 100},
            headers=AS_THE_GATEWAY,
        )
        academies = response.json()
    await seed_activities(env, academies)
    print(
        f"machine: {os.cpu_count()} cores; {ACTIVITIES} activities, {len(academies)} academies, "
        f"page of {PAGE}, {CONCURRENCY} concurrent clients, {SECONDS:.0f} s each "
        f"({ROUNDS} alternating turns)"
    )
    processes = {"client": psutil.Process()}
    processes |= {name: psutil.Process(p.pid) for name, p in started.items()}
    await measure(ports, processes)


if __name__ == "__main__":
    raise SystemExit(main())
