"""Scaling out: one copy of a process against two, side by side in one run.

1. Subsidy consumer: BENCH_SCALING_EVENTS (default 6,000) valid ActivityPublished events
   for 30 recognised academies on a fresh topic of BENCH_SCALING_PARTITIONS (default 6)
   partitions, handled by a consumer group of one member, then (fresh topic, fresh
   database) of two. Each member is its own process (`EventConsumer` with the subsidy
   handler, the production defaults), as replicas are; all share one PostgreSQL database.
   The group is stable before the events are written, so no rebalance is measured; the
   clock runs from the first committed offset to the last (committed offsets: what the
   group has settled for good).
2. Activities delivery worker: BENCH_SCALING_DELIVERIES (default 2,000) stored webhook
   deliveries (full documents, no fetch) drained by one worker process, then by two
   (fresh database each; `processing.drain` with its claims, the worker's own loop). The
   deliveries are written in one transaction once every worker is up; the clock runs from
   that commit until none is left unsettled.

Figures: events (deliveries)/s with two against one, the ratio, and the process CPU per
event of the members. On a machine of 2 cores, the members, PostgreSQL and Kafka share the
cores, so the ratio shows contention more than what a second node would add.

    make bench        # or, with a broker and database running:
    KAFKA_BOOTSTRAP_SERVERS=... STEM_BENCH_POSTGRES_DSN=... python -m bench.bench_scaling
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psutil
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.bench_consumer import activity, registry_events
from bench.results import Figure, record
from stemkit.contracts import CATALOG
from stemkit.eventing.kafka import make_producer
from stemkit.storage.db import Database, make_engine, open_database
from stemkit.storage.migrations import upgrade_to_head
from subsidy.bootstrap import MIGRATIONS as SUBSIDY_MIGRATIONS

EVENTS = int(os.environ.get("BENCH_SCALING_EVENTS", "6000"))
PARTITIONS = int(os.environ.get("BENCH_SCALING_PARTITIONS", "6"))
DELIVERIES = int(os.environ.get("BENCH_SCALING_DELIVERIES", "2000"))
SOURCE = "/stem/activities"
READY = "member ready"


# --------------------------------------------------------------------------- member processes


@asynccontextmanager
async def fresh_database(admin_dsn: str, migrations: str) -> AsyncIterator[Database]:
    """A new database with a service's migrations applied; dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_dsn, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_dsn).set(database=name).render_as_string(False)
    await asyncio.to_thread(upgrade_to_head, url, migrations)
    database = open_database(url)
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def member_consumer(topic: str, group: str, url: str) -> None:
    """One subsidy consumer group member (production defaults) until SIGTERM."""
    from stemkit.eventing.consumer import EventConsumer
    from stemkit.eventing.runner import run_until_signal
    from stemkit.storage.db import open_database
    from subsidy.service_layer.handlers import handle_event

    # why a chunk's message failed (the consumer loop says it at INFO): into the members' log
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO)
    chunk_log = logging.getLogger("stemkit.eventing.consumer")
    chunk_log.setLevel(logging.INFO)
    chunk_log.addHandler(handler)

    async def main(stop: asyncio.Event) -> None:
        database = open_database(url)
        consumer = EventConsumer(
            name=group,
            topics=[topic],
            bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
            session_factory=database.session_factory,
            handler=handle_event,
            dead_letter_topic="stem.subsidy.dlq.v1",
        )
        print(READY, flush=True)
        try:
            await consumer.run(stop)
        finally:
            await database.dispose()

    run_until_signal(main)


class NoFetch:
    """The deliveries carry their documents: a fetch would be a bench error."""

    async def fetch(self, iri: str) -> Any:
        raise RuntimeError(f"the bench's deliveries need no fetch ({iri})")


def member_worker(url: str) -> None:
    """One delivery worker (the worker's own drain, with its claims) until SIGTERM."""
    from activities.service_layer.processing import drain
    from stemkit.eventing.runner import run_until_signal
    from stemkit.storage.db import open_database

    async def main(stop: asyncio.Event) -> None:
        database = open_database(url)
        fetcher = NoFetch()
        print(READY, flush=True)
        try:
            while not stop.is_set():
                if not await drain(database.session_factory, fetcher):
                    await asyncio.sleep(0.02)
        finally:
            await database.dispose()

    run_until_signal(main)


@dataclass
class Members:
    procs: list[subprocess.Popen[str]]
    log: Any  # the members' stderr, shared (a temporary file)

    @classmethod
    def start(cls, n: int, *args: str) -> Members:
        log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - lives as long as the members
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.bench_scaling", "member", *args],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                start_new_session=True,
            )
            for _ in range(n)
        ]
        for proc in procs:  # each one has imported everything and opened its database
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            if line != READY:
                log.seek(0)
                raise RuntimeError(
                    f"a member did not start (exit {proc.poll()}): {line!r}\n{log.read()[-3000:]}"
                )
        return cls(procs, log)

    def logged(self, text: str) -> list[str]:
        """Lines of the members' logs that contain ``text`` (after stop())."""
        self.log.seek(0)
        return [line.strip() for line in self.log if text in line]

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.procs:
            times = psutil.Process(proc.pid).cpu_times()
            total += times.user + times.system
        return total

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@dataclass(frozen=True)
class Result:
    members: int
    count: int  # measured: settled between the clock's start and its end
    seconds: float
    cpu_seconds: float  # the members' processes, over the same span
    alone: int = 0  # consumer chunks in which a message failed and was settled alone

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.count


# --------------------------------------------------------------------------- consumer


async def _stable(admin: AIOKafkaAdminClient, group: str, members: int, within: float) -> None:
    deadline = time.monotonic() + within
    state: Any = None
    while time.monotonic() < deadline:
        [response] = await admin.describe_consumer_groups([group])
        groups = response.to_object()["groups"]
        state = [(g["state"], len(g["members"])) for g in groups]
        if state == [("Stable", members)]:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"group {group} not stable with {members} members: {state}")


async def _committed(admin: AIOKafkaAdminClient, group: str) -> int:
    offsets = await admin.list_consumer_group_offsets(group)
    return sum(max(o.offset, 0) for o in offsets.values())


async def consumer_run(bootstrap: str, admin_dsn: str, members: int) -> Result:
    topic = f"bench.scaling.{uuid.uuid4().hex[:8]}.v1"
    group = f"bench-scaling-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    try:
        async with fresh_database(admin_dsn, SUBSIDY_MIGRATIONS) as database:
            from subsidy.service_layer.handlers import handle_event

            async with database.session_factory.begin() as session:
                for payload in registry_events():
                    await handle_event(session, CATALOG.new_event(payload, source="/stem/registry"))
            url = database.engine.url.render_as_string(hide_password=False)
            group_members = Members.start(members, "consumer", topic, group, url)
            try:
                await _stable(admin, group, members, within=60)
                producer = make_producer(bootstrap, client_id="bench-scaling", linger_ms=20)
                await producer.start()
                try:
                    futures = []
                    for n in range(EVENTS):
                        event = CATALOG.new_event(activity(n), source=SOURCE)
                        key, value, headers = event.to_kafka()
                        futures.append(
                            await producer.send(topic, value=value, key=key, headers=headers)
                        )
                    await asyncio.gather(*futures)
                finally:
                    await producer.stop()
                first = 0
                deadline = time.monotonic() + 600
                while not (first := await _committed(admin, group)):
                    if time.monotonic() > deadline:
                        raise RuntimeError("nothing committed in 10 minutes")
                    await asyncio.sleep(0.02)
                started, cpu = time.perf_counter(), group_members.cpu_seconds()
                while (done := await _committed(admin, group)) < EVENTS:
                    if any(p.poll() is not None for p in group_members.procs):
                        raise RuntimeError("a member stopped early")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{done} of {EVENTS} committed in 10 minutes")
                    await asyncio.sleep(0.02)
                seconds = time.perf_counter() - started
                cpu = group_members.cpu_seconds() - cpu
            finally:
                group_members.stop()
    finally:
        await admin.delete_topics([topic])
        await admin.close()
    # stemkit.eventing.consumer logs this when a chunk's message fails and is settled on its own,
    # and the handler's error just before
    alone = len(group_members.logged("a message failed in a chunk"))
    causes = Counter(
        line.split("handler failed in a chunk: ", 1)[1].split(":", 1)[0]
        for line in group_members.logged("handler failed in a chunk: ")
    )
    if causes:
        print(f"  {members} member(s): why a chunk's message failed: {dict(causes)}", flush=True)
    return Result(members, EVENTS - first, seconds, cpu, alone)


# --------------------------------------------------------------------------- worker


async def worker_run(admin_dsn: str, members: int) -> Result:
    from activities.adapters import delivery_store as deliveries
    from activities.adapters.orm import webhook_deliveries as deliveries_table
    from activities.bootstrap import MIGRATIONS as ACTIVITIES_MIGRATIONS
    from bench.live_platform import delivery

    async with fresh_database(admin_dsn, ACTIVITIES_MIGRATIONS) as database:
        url = database.engine.url.render_as_string(hide_password=False)
        workers = Members.start(members, "worker", url)
        try:
            bodies = [delivery(n)[1] for n in range(DELIVERIES)]
            async with database.session_factory.begin() as session:
                for n, body in enumerate(bodies):
                    await deliveries.record(session, f"bench-{n}", body, "webhook")
            started, cpu = time.perf_counter(), workers.cpu_seconds()
            deadline = time.monotonic() + 600
            while True:
                async with database.session_factory() as session:
                    left = await session.scalar(
                        select(func.count())
                        .select_from(deliveries_table)
                        .where(deliveries_table.c.status == deliveries.RECEIVED)
                    )
                if not left:
                    break
                if any(p.poll() is not None for p in workers.procs):
                    raise RuntimeError("a worker stopped early")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{left} deliveries unsettled after 10 minutes")
                await asyncio.sleep(0.02)
            seconds = time.perf_counter() - started
            cpu = workers.cpu_seconds() - cpu
            async with database.session_factory() as session:
                outcomes: dict[str, int] = dict(
                    (
                        await session.execute(
                            select(deliveries_table.c.status, func.count()).group_by(
                                deliveries_table.c.status
                            )
                        )
                    ).all()
                )
        finally:
            workers.stop()
    print(f"  {members} worker(s): deliveries by status at the end: {outcomes}", flush=True)
    return Result(members, DELIVERIES, seconds, cpu)


# --------------------------------------------------------------------------- figures


def plural(unit: str) -> str:
    return unit[:-1] + "ies" if unit.endswith("y") else unit + "s"


def describe(what: str, unit: str, r: Result) -> str:
    return (
        f"{what}, {r.members} member(s): {r.count:,} {plural(unit)} in {r.seconds:.2f} s = "
        f"{r.rate:,.0f} {plural(unit)}/s; members' CPU {r.cpu_ms:.2f} ms per {unit}"
    )


def figures(bench_what: str, unit: str, one: Result, two: Result, note: str) -> None:
    record(
        Figure(
            "scaling",
            f"{bench_what}: throughput with two members",
            round(two.rate),
            f"{plural(unit)}/s",
            baseline="one member",
            baseline_value=round(one.rate),
            note=f"{note}; per member: {two.rate / 2:,.0f} {plural(unit)}/s with two, "
            f"{one.rate:,.0f} alone",
        )
    )
    record(
        Figure(
            "scaling",
            f"{bench_what}: members' CPU per {unit} with two members",
            round(two.cpu_ms, 2),
            "ms",
            baseline="one member",
            baseline_value=round(one.cpu_ms, 2),
            note="process CPU of the member processes (not PostgreSQL's or Kafka's)",
        )
    )


async def main() -> int:
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    admin_dsn = os.environ["STEM_BENCH_POSTGRES_DSN"]
    print(f"{psutil.cpu_count()} cores; load average {os.getloadavg()}", flush=True)
    consumer: dict[int, Result] = {}
    for members in (1, 2):
        consumer[members] = await consumer_run(bootstrap, admin_dsn, members)
        print(describe("subsidy consumer", "event", consumer[members]), flush=True)
        print(f"  chunks that settled a message alone: {consumer[members].alone}", flush=True)
    print(f"  two members / one: {consumer[2].rate / consumer[1].rate:.2f}", flush=True)
    figures(
        f"subsidy consumer group, {EVENTS:,} ActivityPublished events, one process per member",
        "event",
        consumer[1],
        consumer[2],
        f"{PARTITIONS} partitions; one shared PostgreSQL database; chunks that settled a "
        f"message alone: {consumer[2].alone} with two, {consumer[1].alone} with one",
    )
    worker: dict[int, Result] = {}
    for members in (1, 2):
        worker[members] = await worker_run(admin_dsn, members)
        print(describe("delivery worker", "delivery", worker[members]), flush=True)
    print(f"  two workers / one: {worker[2].rate / worker[1].rate:.2f}", flush=True)
    figures(
        f"activities delivery worker, {DELIVERIES:,} stored webhook deliveries, one process "
        "per worker",
        "delivery",
        worker[1],
        worker[2],
        "full documents (no fetch); claims (FOR UPDATE SKIP LOCKED) share the due rows",
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["member"]:
        kind, *rest = sys.argv[2:]
        if kind == "consumer":
            member_consumer(*rest)
        else:
            member_worker(*rest)
        sys.exit(0)
    sys.exit(asyncio.run(main()))
