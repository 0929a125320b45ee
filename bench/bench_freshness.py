"""Freshness: from a signed webhook delivery to the activity visible in GraphQL, at a steady
rate, with every process of the platform running (real Kafka, PostgreSQL databases).

Two phases: BENCH_FRESHNESS_LOW_RATE deliveries/s (default 20) for 10 s, where the
platform keeps up, then BENCH_FRESHNESS_RATE (default 100, the target's rate) for
BENCH_FRESHNESS_SECONDS (default 30), each sent on a fixed schedule (open loop: a slow
answer does not slow the sender). Each is a new
dated activity of the fixture's organizer, linked to a [DEMO] academy. A watcher asks the
gateway every BENCH_FRESHNESS_POLL seconds (default 0.1) for the calendar page that starts
at the oldest activity not seen yet (`activities(first: 100, filter: {from, academyId})`):
one query per tick, whatever the number waiting, so measuring costs the platform less than
the deliveries do. An activity's freshness is the time from sending its delivery to the
answer that first lists it (so it includes up to one poll interval of the watcher).

Target: p99 <= 1 s. Baseline in the same run: the webhook's own 202 latency (the part of
the freshness the sender waits for). Where the time goes is read back from the activities
database: sent -> stored (`received_at`), stored -> processed by the delivery worker
(`processed_at`), processed -> listed by the gateway; and the CPU each process used per
delivery (psutil; PostgreSQL and Kafka found by their ports), against the machine's cores.

    make bench        # or, with a broker and database running:
    KAFKA_BOOTSTRAP_SERVERS=... STEM_BENCH_POSTGRES_DSN=... python -m bench.bench_freshness
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import psutil
from sqlalchemy import select

from activities.adapters.orm import webhook_deliveries
from bench.live_platform import (
    RawHttp,
    activity_start,
    cpu_seconds,
    delivery,
    graphql,
    running_platform,
    wait_for_reference_data,
    warm_up,
    webhook_url,
)
from bench.results import Figure, record
from stemkit.storage.db import make_engine
from tests.e2e.harness import Platform

RATE = float(os.environ.get("BENCH_FRESHNESS_RATE", "100"))
SECONDS = float(os.environ.get("BENCH_FRESHNESS_SECONDS", "30"))
POLL = float(os.environ.get("BENCH_FRESHNESS_POLL", "0.1"))
DRAIN = 60.0  # seconds to wait, after the last delivery, for the stragglers
TARGET_P99 = 1.0
PAGE = 100
MAX_PAGES_PER_TICK = 5

WATCH = """
query Fresh($from: DateTime!, $academy: ID!, $after: String) {
  activities(first: 100, after: $after, filter: {from: $from, academyId: $academy}) {
    nodes { id }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass
class Run:
    rate: float  # deliveries/s asked
    first: int  # number of its first delivery (its activities' dates follow the others')
    ids: list[str]
    sent: dict[int, float] = field(default_factory=dict)  # perf_counter at send
    sent_wall: dict[int, float] = field(default_factory=dict)  # time.time() at send
    answered: dict[int, float] = field(default_factory=dict)  # perf_counter at the 202
    seen: dict[int, float] = field(default_factory=dict)  # perf_counter of the listing answer
    seen_wall: dict[int, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    polls: int = 0
    sending_done: bool = False


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def send(http: RawHttp, run: Run, requests: list[bytes]) -> float:
    """Every delivery on its schedule; returns the achieved rate. Latency counts from the
    scheduled moment (no coordinated omission)."""

    async def one(number: int, due: float) -> None:  # number: index in this run
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        run.sent_wall[number] = time.time() - (time.perf_counter() - due)
        run.sent[number] = due
        try:
            status = await http.send(requests[number])
        except (OSError, asyncio.IncompleteReadError) as exc:
            run.failures.append(f"delivery {number}: {type(exc).__name__}: {exc}")
            return
        run.answered[number] = time.perf_counter()
        if status not in (200, 202):  # 200: a retry found the first attempt stored
            run.failures.append(f"delivery {number}: HTTP {status}")

    started = time.perf_counter() + 0.05
    await asyncio.gather(*(one(n, started + n / run.rate) for n in range(len(requests))))
    run.sending_done = True
    return len(requests) / (max(run.answered.values(), default=started + 1) - started)


async def watch(client: httpx.AsyncClient, platform: Platform, academy_id: str, run: Run) -> None:
    """Poll the calendar until every sent activity was seen (or DRAIN after the last)."""
    number_of = {activity_id: n for n, activity_id in enumerate(run.ids)}
    deadline: float | None = None
    while True:
        tick = time.perf_counter()
        waiting = [n for n in run.sent if n not in run.seen]
        if run.sending_done:
            if not waiting:
                return
            deadline = deadline or tick + DRAIN
            if tick > deadline:
                return
        if waiting:
            after: str | None = None
            oldest = activity_start(run.first + min(waiting))
            variables = {"from": oldest.isoformat(), "academy": academy_id}
            for _ in range(MAX_PAGES_PER_TICK):
                data = await graphql(client, platform, WATCH, {**variables, "after": after})
                at, wall = time.perf_counter(), time.time()
                run.polls += 1
                page = data["activities"]
                for node in page["nodes"]:
                    number = number_of.get(node["id"])
                    if number is not None and number in run.sent and number not in run.seen:
                        run.seen[number], run.seen_wall[number] = at, wall
                if not page["pageInfo"]["hasNextPage"] or all(n in run.seen for n in waiting):
                    break
                after = page["pageInfo"]["endCursor"]
        await asyncio.sleep(max(0.0, tick + POLL - time.perf_counter()))


async def stages(platform: Platform, run: Run) -> dict[str, list[float]]:
    """Where the time went, per delivery, from the activities database's timestamps."""
    engine = make_engine(platform.database_urls["activities"])
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        webhook_deliveries.c.activity_id,
                        webhook_deliveries.c.received_at,
                        webhook_deliveries.c.processed_at,
                    ).where(webhook_deliveries.c.activity_id.is_not(None))
                )
            ).all()
    finally:
        await engine.dispose()
    number_of = {activity_id: n for n, activity_id in enumerate(run.ids)}
    out: dict[str, list[float]] = {"sent -> stored": [], "stored -> processed": []}
    out["processed -> listed"] = []
    for activity_id, received_at, processed_at in rows:
        number = number_of.get(activity_id)
        if number is None or number not in run.seen or processed_at is None:
            continue
        received, processed = _epoch(received_at), _epoch(processed_at)
        out["sent -> stored"].append(received - run.sent_wall[number])
        out["stored -> processed"].append(processed - received)
        out["processed -> listed"].append(run.seen_wall[number] - processed)
    return out


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


PHASES = (  # (deliveries/s, seconds): first unsaturated, then the target's rate
    (float(os.environ.get("BENCH_FRESHNESS_LOW_RATE", "20")), 10.0),
    (RATE, SECONDS),
)


async def phase(
    platform: Platform, academy_id: str, rate: float, seconds: float, first: int
) -> tuple[Run, float, dict[str, list[float]], dict[str, float]]:
    """One steady rate: the run, the achieved rate, the stages and CPU seconds by process."""
    prepared = [delivery(first + n) for n in range(int(rate * seconds))]
    run = Run(rate=rate, first=first, ids=[activity_id for activity_id, _, _ in prepared])
    http = RawHttp("127.0.0.1", platform.ports["activities"])
    path = httpx.URL(webhook_url(platform)).path
    requests = [http.request("POST", path, body, headers) for _, body, headers in prepared]
    async with httpx.AsyncClient(timeout=30) as watcher:
        cpu_before = cpu_seconds(platform)
        watching = asyncio.create_task(watch(watcher, platform, academy_id, run))
        achieved = await send(http, run, requests)
        http.close()
        await watching
        cpu_after = cpu_seconds(platform)
    platform.assert_running()
    cpu = {name: cpu_after[name] - before for name, before in cpu_before.items()}
    return run, achieved, await stages(platform, run), cpu


async def main() -> int:
    results = []
    async with running_platform("freshness-logs") as platform:
        await wait_for_reference_data(platform)
        academy_id = await warm_up(platform)
        await asyncio.sleep(2)  # let the warm-up's events settle
        first = 0
        for rate, seconds in PHASES:
            results.append(await phase(platform, academy_id, rate, seconds, first))
            first += int(rate * seconds)
            await asyncio.sleep(2)
    ok = True
    for number, (run, achieved, where, cpu) in enumerate(results):
        report(run, achieved, where, cpu, target=number == len(results) - 1)
        ok = ok and not run.failures  # unseen deliveries are a figure (slow), not an error
    return 0 if ok else 1


def report(
    run: Run, achieved: float, where: dict[str, list[float]], cpu: dict[str, float], target: bool
) -> None:
    count = len(run.ids)
    fresh = [run.seen[n] - run.sent[n] for n in run.seen]
    accepted = [run.answered[n] - run.sent[n] for n in run.answered]
    p50, p99, worst = percentile(fresh, 0.5), percentile(fresh, 0.99), max(fresh, default=0)
    a50, a99 = percentile(accepted, 0.5), percentile(accepted, 0.99)
    met = len(run.seen) == count and p99 <= TARGET_P99
    at = f"at {run.rate:.0f}/s"
    print(
        f"== {count} deliveries {at} for {count / run.rate:.0f} s (achieved {achieved:.1f}/s), "
        f"watcher every {POLL * 1000:.0f} ms: {run.polls} GraphQL queries"
    )
    print(f"visible in GraphQL: {len(run.seen)} of {count}; failures: {len(run.failures)}")
    for failure in run.failures[:5]:
        print(f"  {failure}")
    verdict = f"target p99 <= {TARGET_P99 * 1000:.0f} ms: {'met' if met else 'MISSED'}"
    print(
        f"freshness webhook -> GraphQL  p50 {ms(p50):7.1f} ms  p99 {ms(p99):7.1f} ms  "
        f"max {ms(worst):7.1f} ms" + (f"  ({verdict})" if target else "")
    )
    print(f"baseline: webhook 202        p50 {ms(a50):7.1f} ms  p99 {ms(a99):7.1f} ms")
    for stage, values in where.items():
        print(
            f"  {stage:<22} p50 {ms(percentile(values, 0.5)):7.1f} ms  "
            f"p99 {ms(percentile(values, 0.99)):7.1f} ms  ({len(values)} deliveries)"
        )
    machine = cpu.pop("machine (all processes)")
    platform_cpu = sum(v for k, v in cpu.items() if k != "bench client")
    cores = psutil.cpu_count() or 1
    # Per delivery that went all the way (a backlog left at the end has not cost it all yet).
    done = max(1, len(run.seen))
    print(f"CPU per delivery made visible ({cores} cores):")
    for name, used in sorted(cpu.items(), key=lambda item: -item[1]):
        print(f"  {name:<24} {used * 1000 / done:6.1f} ms")
    print(
        f"  {'platform + PostgreSQL + Kafka':<24} {platform_cpu * 1000 / done:6.1f} ms: "
        f"{at} that is {platform_cpu / done * run.rate / cores:.0%} of the machine"
    )
    print(f"  {'machine (every process)':<24} {machine * 1000 / done:6.1f} ms")
    note = (
        f"{count} deliveries, achieved {achieved:.0f}/s; watcher every {POLL * 1000:.0f} ms, so "
        f"a figure includes up to one poll interval; {count - len(run.seen)} not seen"
    )
    record(
        Figure(
            "freshness",
            f"webhook -> visible in GraphQL, p50 {at}",
            ms(p50),
            "ms",
            baseline="webhook 202 latency p50",
            baseline_value=ms(a50),
            note=note,
        )
    )
    record(
        Figure(
            "freshness",
            f"webhook -> visible in GraphQL, p99 {at}",
            ms(p99),
            "ms",
            baseline="webhook 202 latency p99",
            baseline_value=ms(a99),
            target=f"<= {TARGET_P99 * 1000:.0f} ms" if target else None,
            met=met if target else None,
            note=f"max {ms(worst)} ms",
        )
    )
    for stage, values in where.items():
        record(
            Figure(
                "freshness",
                f"stage {stage}, p99 {at}",
                ms(percentile(values, 0.99)),
                "ms",
                note=f"p50 {ms(percentile(values, 0.5))} ms; from the activities database",
            )
        )
    record(
        Figure(
            "freshness",
            f"CPU per delivery, platform + PostgreSQL + Kafka, {at}",
            round(platform_cpu * 1000 / done, 1),
            "ms",
            note=f"{at} on {cores} cores: {platform_cpu / done * run.rate / cores:.0%} of the "
            "machine; " + ", ".join(f"{k} {v * 1000 / done:.1f}" for k, v in cpu.items()),
        )
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
