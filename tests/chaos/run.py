"""The chaos run: UiTdatabank changes flow in by webhook and poller while every platform
process is killed with SIGKILL, Kafka and PostgreSQL restart; then every count the
platform shows is compared with an independent tally of what was sent.

    python -m tests.chaos.run --changes 10000 [--seed N] [--dir var/chaos] [--rate 60]
    python -m tests.chaos.run --cluster ...    # 3 brokers, two replicas of every process

Starts its own Kafka and PostgreSQL in `--dir` (wiped first), all platform processes
(tests/e2e/harness.py), two UiTdatabank stand-ins inside this process; loopback only.
Exit 0 when every count equals its tally, 1 with a diff otherwise. Figures go to stdout
and to test-artifacts/chaos/figures.json. See docs/chaos.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from activities.config import DEV_WEBHOOK_SECRET
from stemkit.settings import DEV_OPS_TOKEN
from tests.chaos import cluster_watch, compare, observe, stalls
from tests.chaos.console import say, show
from tests.chaos.driver import Driver, HostileSent, StandIn, documents_sent
from tests.chaos.faults import Chaos, Infra, fault_plan
from tests.chaos.reference import UNLINKED_ORGANIZER, linked_academies, unambiguous_postal_codes
from tests.chaos.tally import tally
from tests.chaos.workload import make_plan
from tests.e2e.harness import ROOT, Platform
from tools.uitdatabank_standin.store import Store

ARTIFACTS = ROOT / "test-artifacts" / "chaos"


@dataclass
class Options:
    changes: int = 10_000
    seed: int | None = None
    folder: Path = ROOT / "var" / "chaos"
    rate: float = 60.0  # changes per second the workload offers
    concurrency: int = 8  # webhook requests in flight
    kills_per_process: int = 2
    poll_interval: float = 5.0
    # Each poll reads back this far before its cursor; `modified` is stamped at the moment
    # of the change here, so a short window suffices (the default 300 s makes every round
    # re-read minutes of documents, which starves the worker on a small machine).
    poll_overlap: float = 30.0
    quiesce_within: float = 1200.0
    artifacts: Path = ARTIFACTS
    keep: bool = False  # leave Kafka and PostgreSQL running afterwards
    # Hostile kinds the platform quarantines only after ~11 minutes of retries (poison.py)
    slow_poison: bool = True
    # A 3-node KRaft cluster with broker faults instead of one broker's restart, and two
    # replicas of every platform process (`make chaos CLUSTER=1`).
    cluster: bool = False


@dataclass
class Report:
    ok: bool
    figures: dict[str, Any] = field(default_factory=dict)
    diff: str = ""


async def _registry_copied(urls: dict[str, str], organizers: int) -> bool:
    """The registry's municipalities and academies reached both consumers (before the
    storm: an activity of a not-yet-linked organizer would only be linked later)."""
    checks = (
        ("activities", "SELECT count(*) FROM academy_organizers", organizers),
        ("activities", "SELECT count(*) FROM municipality_postal_codes", 300),
        ("subsidy", "SELECT count(*) FROM academy_roles", 3 * organizers),
        ("subsidy", "SELECT count(*) FROM municipalities", 300),
    )
    for service, sql, wanted in checks:
        if await observe.scalar(urls[service], sql) < wanted:
            return False
    return True


async def run(options: Options) -> Report:
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(10**6)
    say(f"seed {seed}, {options.changes} changes, rate {options.rate}/s, folder {options.folder}")
    academies = linked_academies()
    municipalities = unambiguous_postal_codes()
    plan = make_plan(
        seed,
        options.changes,
        academies,
        UNLINKED_ORGANIZER,
        municipalities,
        slow_poison=options.slow_poison,
    )
    replicas = 2 if options.cluster else 1
    faults = fault_plan(
        seed, len(plan.steps), options.kills_per_process, replicas=replicas, cluster=options.cluster
    )

    brokers = 3 if options.cluster else 1
    if options.folder.exists():  # a run left with --keep: stop its broker and server first
        await asyncio.to_thread(Infra(options.folder, brokers=brokers).stop)
    shutil.rmtree(options.folder, ignore_errors=True)
    shutil.rmtree(options.artifacts, ignore_errors=True)
    options.folder.mkdir(parents=True, exist_ok=True)
    infra = Infra(options.folder, brokers=brokers)
    entry, search = StandIn(Store()), StandIn(Store())
    platform: Platform | None = None
    began = time.monotonic()
    try:
        await asyncio.to_thread(infra.start)
        say(f"Kafka {infra.bootstrap}, PostgreSQL port {infra.pg_port}")
        await entry.start()
        await search.start()
        platform = Platform(
            kafka=infra.bootstrap,
            database_urls=infra.database_urls,
            artifacts=options.artifacts,
            replicas=replicas,
            extra_env={
                "ACTIVITIES_UITDATABANK_SEARCH_URL": search.url,
                "ACTIVITIES_UITDATABANK_FETCH_HOSTS": "127.0.0.1",
                "ACTIVITIES_UITDATABANK_POLL_INTERVAL_SECONDS": str(options.poll_interval),
                "ACTIVITIES_UITDATABANK_POLL_OVERLAP_SECONDS": str(options.poll_overlap),
                "ACTIVITIES_UITDATABANK_TIMEOUT_SECONDS": "10",
                "ACTIVITIES_WEBHOOK_SECRETS": DEV_WEBHOOK_SECRET,
            },
        )
        await asyncio.to_thread(platform.start)
        await platform.wait_healthy(within=180)
        deadline = time.monotonic() + 180
        while not await _registry_copied(infra.database_urls, len(academies)):
            platform.assert_running()
            if time.monotonic() > deadline:
                raise TimeoutError("the registry's events did not reach the consumers")
            await asyncio.sleep(1)
        ready = time.monotonic()
        say(f"platform up in {ready - began:.0f} s; the storm starts")

        driver = Driver(
            plan,
            municipalities,
            f"{platform.url('activities')}/webhooks/uitdatabank",
            DEV_WEBHOOK_SECRET,
            entry,
            search,
            rate=options.rate,
            concurrency=options.concurrency,
            give_up_after=300,
            kafka=infra.bootstrap,
        )
        chaos = Chaos(platform, infra, faults)
        stop = asyncio.Event()
        elections: cluster_watch.ElectionWatch | None = None
        probe: cluster_watch.ProduceProbe | None = None
        probing: asyncio.Task[None] | None = None
        if infra.cluster is not None:
            cluster = infra.cluster
            chaos.busiest = lambda: cluster_watch.busiest_leader(
                cluster, infra.bootstrap, observe.ACTIVITY_TOPIC
            )
            elections = cluster_watch.ElectionWatch(cluster)
            elections.start()
            probe = cluster_watch.ProduceProbe(infra.bootstrap)
            await probe.create_topic()
            probing = asyncio.create_task(probe.run(stop))
        supervisor = asyncio.create_task(chaos.supervise(stop))
        injector = asyncio.create_task(chaos.inject(lambda: driver.progress))
        reporter = asyncio.create_task(_progress(driver, len(plan.steps), stop))
        watch = stalls.StallWatch(infra.bootstrap, infra.database_urls)
        watching = asyncio.create_task(watch.run(stop))
        await driver.run()
        await injector
        sent = time.monotonic()
        say(f"workload sent in {sent - ready:.0f} s; waiting for the platform to be quiet")
        quiet, state = await observe.wait_quiet(
            infra.bootstrap,
            infra.database_urls,
            within=options.quiesce_within,
            quiet_for=max(12.0, 3 * options.poll_interval),
        )
        stop.set()
        await supervisor
        await reporter
        await watching
        if probing is not None:
            await probing
        if elections is not None:
            elections.stop()
        settled = time.monotonic()
        say(f"{'quiet' if quiet else 'NOT quiet'} after {settled - sent:.0f} s: {state}")

        expected = tally(plan, academies)
        result = compare.Comparison()
        outcomes = await _compare(result, platform, infra, expected, driver.figures.hostile)
        if not quiet:
            result.add("quiet within the time bound", False, True)
        exits = dict(sorted(chaos.figures.exits.items()))
        result.add("processes that exited by themselves", sum(exits.values()), 0)
        parked = sum(v for k, v in state.items() if k.endswith("outbox parked"))
        result.add("outbox rows parked (never sent)", parked, 0)
        judged = watch.judged(chaos.figures.windows)
        stall_figures = stalls.summary(judged, ready)
        result.add_below(
            "longest stall no fault explains (s)",
            stall_figures["longest_unexplained_s"],
            stalls.MAX_UNEXPLAINED,
            []
            if stall_figures["longest_unexplained_s"] < stalls.MAX_UNEXPLAINED
            else [stall_figures["longest_unexplained"]],
        )
        figures = {
            "seed": seed,
            "changes": options.changes,
            "rate_offered_per_s": options.rate,
            "changes_by_kind": dict(sorted(driver.figures.changes.items())),
            "channels": dict(sorted(driver.figures.channels.items())),
            "webhook_attempts": dict(sorted(driver.figures.posts.items())),
            "undelivered": len(driver.figures.undelivered),
            "documents": documents_sent(plan),
            "kills": {p: chaos.figures.kills[p] for p in sorted(chaos.figures.kills)},
            "exits_by_themselves": exits,
            "hostile": {
                "changes": len(expected.hostile),
                "share": round(len(expected.hostile) / max(len(plan.steps), 1), 4),
                "kinds": len({h.kind for h in expected.hostile}),
                "by_kind": outcomes,
            },
            "stalls": {
                **stall_figures,
                "samples": watch.samples,
                "failed_samples": watch.failed_samples,
                "failed_kafka_samples": watch.failed_kafka_samples,
            },
            "restarts_seconds": chaos.figures.restarts,
            "seconds": {
                "setup": round(ready - began, 1),
                "workload": round(sent - ready, 1),
                "quiescence": round(settled - sent, 1),
                "total": round(time.monotonic() - began, 1),
            },
            "counts": [
                {"name": c.name, "platform": str(c.actual), "tally": str(c.expected), "ok": c.ok}
                for c in result.checks
            ],
            "fault_log": chaos.figures.log,
        }
        if infra.cluster is not None and elections is not None and probe is not None:
            last_fault = max((w.end for w in chaos.figures.windows), default=sent)
            quiet_since = settled - max(12.0, 3 * options.poll_interval)
            figures["cluster"] = {
                "brokers": len(infra.cluster.nodes),
                "replicas_per_process": replicas,
                "brokers_hit": chaos.figures.brokers_hit,
                **elections.figures(),
                "produce_probe": probe.figures(ready),
                "consumer_assignments_logged": cluster_watch.rebalances(options.artifacts),
                "quiet_after_last_fault_s": round(quiet_since - last_fault, 1),
                "balancer_connections": {str(b.port): b.connections for b in platform.balancers},
            }
        if driver.figures.undelivered:
            result.add("deliveries never acknowledged", len(driver.figures.undelivered), 0)
        report = Report(result.ok, figures, result.diff())
        _print(report, result)
        return report
    finally:
        if platform is not None:
            platform.stop()
        await entry.stop()
        await search.stop()
        if not options.keep:
            await asyncio.to_thread(infra.stop)


async def _progress(driver: Driver, total: int, stop: asyncio.Event) -> None:
    while not stop.is_set() and driver.progress < total:
        try:
            await asyncio.wait_for(stop.wait(), 15)
        except TimeoutError:
            say(f"{driver.progress}/{total} changes carried out")


async def _compare(
    result: compare.Comparison,
    platform: Platform,
    infra: Infra,
    expected: Any,
    hostile: list[HostileSent],
) -> dict[str, Any]:
    """Every count against the tally; returns what became of each hostile kind."""
    academies = sorted({a.academy_id for a in linked_academies()})
    ops = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}  # every scope of every service
    async with httpx.AsyncClient(timeout=30, headers=ops) as client:
        activities_url, subsidy_url = platform.url("activities"), platform.url("subsidy")
        snapshots = await observe.activities_by_id(
            client, activities_url, sorted(expected.activities)
        )
        listed: dict[str | None, int] = {
            a: await observe.listed_count(client, activities_url, a) for a in academies
        }
        total = await observe.listed_count(client, activities_url, None)
        listed[None] = total - sum(v for v in listed.values())
        compare.compare_activities(result, expected, snapshots, listed)
        compare.compare_reach(result, expected, await observe.reach(client, subsidy_url, academies))
        compare.compare_subsidies(
            result, expected, await observe.subsidies(client, subsidy_url, 2023)
        )
        for service in ("gateway", "registry", "activities", "subsidy"):
            answer = await client.get(f"{platform.url(service)}/healthz")
            result.add(f"{service} healthy at the end", answer.status_code, 200)
        quarantined = await observe.quarantine(client, activities_url, DEV_OPS_TOKEN)
        named = sorted({h.activity_id for h in hostile if h.activity_id})
        stored_hostile = await observe.activities_by_id(client, activities_url, named)
    topics = {}
    for topic in (observe.ACTIVITY_TOPIC, observe.REACH_TOPIC, observe.CALCULATION_TOPIC):
        topics[topic] = await observe.read_topic(infra.bootstrap, topic)
    compare.compare_activity_topic(result, expected, topics[observe.ACTIVITY_TOPIC])
    compare.compare_reach_topic(result, expected, topics[observe.REACH_TOPIC])
    compare.compare_calculation_topic(result, expected, topics[observe.CALCULATION_TOPIC])
    for topic, read in topics.items():
        say(
            f"{topic}: {read.records} records, {len(read.events)} distinct events, "
            f"{read.duplicates} repeated ids (at-least-once), {read.poison} poison records"
        )
        result.add(f"records no CloudEvent on {topic}", len(read.undecodable), 0, read.undecodable)
    dead_letters = {
        topic: await observe.read_dead_letters(infra.bootstrap, topic)
        for topic in observe.DEAD_LETTER_TOPICS
    }
    compare.compare_hostile(result, expected, hostile, quarantined, dead_letters, stored_hostile)
    return compare.hostile_outcomes(expected, hostile, quarantined, dead_letters)


def _print(report: Report, result: compare.Comparison) -> None:
    f = report.figures
    lines = [
        "",
        f"===== chaos figures (seed {f['seed']}) =====",
        f"changes sent by kind: {json.dumps(f['changes_by_kind'])}",
        f"by channel: {json.dumps(f['channels'])}",
        f"webhook attempts: {json.dumps(f['webhook_attempts'])}",
        f"deliveries never acknowledged: {f['undelivered']}",
        f"documents: {json.dumps(f['documents'])}",
        f"kill -9 per process: {json.dumps(f['kills'])}",
        f"exited by themselves (restarted): {json.dumps(f['exits_by_themselves'])}",
        f"hostile changes: {f['hostile']['changes']} ({f['hostile']['share']:.1%}) "
        f"of {f['hostile']['kinds']} kinds; what became of them:",
        *(
            f"  {kind}: {v['count']} -> {json.dumps(v['outcomes'])}; {v['reason'][:110]!r}"
            for kind, v in f["hostile"]["by_kind"].items()
        ),
        f"longest stall: {f['stalls']['longest']}",
        f"longest stall no fault explains: {f['stalls']['longest_unexplained']}",
        f"infrastructure restarts (seconds down): {json.dumps(f['restarts_seconds'])}",
        *([f"cluster: {json.dumps(f['cluster'])}"] if "cluster" in f else []),
        f"duration (s): {json.dumps(f['seconds'])}",
        "counts, platform vs tally:",
        result.table(),
        "",
        "RESULT: every count equals its tally" if report.ok else "RESULT: MISMATCH\n" + report.diff,
    ]
    show("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos.run", description=__doc__)
    parser.add_argument("--changes", type=int, default=Options.changes)
    parser.add_argument("--seed", type=int, default=None, help="default: drawn, and printed")
    parser.add_argument("--dir", type=Path, default=Options.folder, help="Kafka and PostgreSQL")
    parser.add_argument("--rate", type=float, default=Options.rate, help="changes per second")
    parser.add_argument("--concurrency", type=int, default=Options.concurrency)
    parser.add_argument("--kills-per-process", type=int, default=Options.kills_per_process)
    parser.add_argument("--quiesce-within", type=float, default=Options.quiesce_within)
    parser.add_argument("--keep", action="store_true", help="leave Kafka and PostgreSQL running")
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="a 3-node Kafka cluster with broker faults, two replicas of every process",
    )
    parser.add_argument(
        "--no-slow-poison",
        action="store_true",
        help="leave out the hostile kinds quarantined only after ~11 minutes of retries",
    )
    args = parser.parse_args(argv)
    options = Options(
        changes=args.changes,
        seed=args.seed,
        folder=args.dir.resolve(),
        rate=args.rate,
        concurrency=args.concurrency,
        kills_per_process=args.kills_per_process,
        quiesce_within=args.quiesce_within,
        keep=args.keep,
        slow_poison=not args.no_slow_poison,
        cluster=args.cluster,
        artifacts=ARTIFACTS.with_name("chaos-cluster") if args.cluster else ARTIFACTS,
    )
    report = asyncio.run(run(options))
    options.artifacts.mkdir(parents=True, exist_ok=True)
    (options.artifacts / "figures.json").write_text(json.dumps(report.figures, indent=2) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
