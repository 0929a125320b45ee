"""Subsidy service: a full-year calculation, and a rebuild of all state from the topics.

1. Calculation: 600 academies (Uitrollers), 50,000 activities proving reach in 2023 on
   PostgreSQL; one full-year run (load the evidence, calculate every call of the year,
   store the immutable run and its event). Target <= 1 s. Baseline in the same run: reading
   the same evidence rows alone.
2. Rebuild: BENCH_SUBSIDY_EVENTS activity events (default 1,000,000: 200,000 activities in
   5 versions each; plus 600 academies with roles and recognition) on fresh topics; the
   rebuild reads them from the start, folds them and writes every table (COPY). Target
   >= 20,000 events/s and >= 0.3 of raw consumption of the same topics (same reader, no
   processing), measured in the same run.

    make bench        # or, with a broker and database running:
    KAFKA_BOOTSTRAP_SERVERS=... STEM_BENCH_POSTGRES_DSN=... python -m bench.bench_subsidy

BENCH_WITHOUT=copy, =rebuild_gc or both (bench/without_bypass.py: COPY, the rebuild's
`gc.disable()`) adds whole rebuilds on fresh databases with those switched off, alternating
with rebuilds as is (BENCH_ROUNDS each; printed, not recorded).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.results import Figure, record
from bench.without_bypass import IN_PROCESS, switched_off
from stemkit.eventing.kafka import make_producer
from stemkit.storage.db import Database, make_engine, open_database
from stemkit.storage.migrations import upgrade_to_head
from subsidy.adapters import bulk
from subsidy.adapters.orm import academy_roles, reach_evidence
from subsidy.adapters.reach_store import proofs_of_year
from subsidy.adapters.topic_reader import read_topics
from subsidy.bootstrap import MIGRATIONS
from subsidy.service_layer.rebuild import rebuild_from_topics
from subsidy.service_layer.runs import Options, run_calculation

ACADEMIES = 600
ACTIVITIES = 50_000
EVENTS = int(os.environ.get("BENCH_SUBSIDY_EVENTS", "1000000"))
VERSIONS = 5
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WITHOUT = os.environ.get("BENCH_WITHOUT", "").split()
TYPE = "be.vlaio.stem.activity.updated.v1"


@asynccontextmanager
async def fresh_database(admin_dsn: str) -> AsyncIterator[Database]:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_dsn, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_dsn).set(database=name).render_as_string(False)
    await asyncio.to_thread(upgrade_to_head, url, MIGRATIONS)
    database = open_database(url)
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def calculation(admin_dsn: str) -> None:
    async with fresh_database(admin_dsn) as database:
        proofs = [
            (f"acad-{n % ACADEMIES:03d}", 2023, f"1{n % 300:04d}", str(1000 + n % 2900), f"act-{n}")
            for n in range(ACTIVITIES)
        ]
        roles = [(f"acad-{n:03d}", 2023, "uitroller") for n in range(ACADEMIES)]
        async with database.session_factory.begin() as session:
            await bulk.load(session, reach_evidence, [c.name for c in reach_evidence.c], proofs)
            await bulk.load(session, academy_roles, ["academy_id", "year", "role"], roles)
        runs, reads = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            async with database.session_factory() as session:
                rows = await proofs_of_year(session, 2023)  # the run's own read path
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            async with database.session_factory.begin() as session:
                run = await run_calculation(session, 2023, Options(strict=False))
            runs.append(time.perf_counter() - started)
        paid = sum(run.result.per_academy().values())
        seconds, read_seconds = statistics.median(runs), statistics.median(reads)
        record(
            Figure(
                "subsidy",
                f"full-year calculation, {ACADEMIES} academies, {ACTIVITIES:,} activities",
                round(seconds, 3),
                "s",
                baseline="reading the same evidence alone",
                baseline_value=round(read_seconds, 3),
                target="<= 1 s",
                met=seconds <= 1.0,
                note=f"median of {ROUNDS}; stores the run and its event",
            )
        )
        print(
            f"full-year calculation, {ACADEMIES} academies, {ACTIVITIES:,} activities "
            f"({len(rows):,} proofs), median of {ROUNDS}: {statistics.median(runs):.3f} s "
            f"(target <= 1 s); baseline reading the evidence alone: "
            f"{statistics.median(reads):.3f} s; paid {paid:,} EUR",
            flush=True,
        )


async def side_by_side_rebuild(
    admin_dsn: str, bootstrap: str, topic: str, without: list[str]
) -> None:
    """Whole rebuilds of the same topic, alternating between as is and without `without`."""
    for turn in range(ROUNDS):
        for off in ([], without)[:: -1 if turn % 2 else 1]:  # A B, B A
            async with fresh_database(admin_dsn) as database:
                with switched_off(off):
                    started = time.perf_counter()
                    stats = await rebuild_from_topics(database, bootstrap, [topic])
                    took = time.perf_counter() - started
            name = f"without {'+'.join(off)}" if off else "as is"
            print(
                f"  turn {turn + 1} rebuild {name:>13s}: {took:.1f} s, "
                f"write {stats.write_seconds:.2f} s, read+fold {stats.read_seconds:.1f} s",
                flush=True,
            )


def activity_value(n: int, version: int) -> bytes:
    academy = n % ACADEMIES
    day = 1 + n % 28
    return (
        '{"academy_id":"acad-%03d","activity_id":"act-%d","age_max":12,"age_min":8,'  # noqa: UP031
        '"audience":"everyone","location":{"country":"BE","locality":"X","name":"Zaal",'
        '"nis_code":"1%04d","place_id":null,"postal_code":"%d"},"modified":'
        '"2023-01-%02dT10:00:00+00:00","name":"Robots %d","occurrences":[{"end":null,'
        '"nis_code":null,"start":"2023-03-%02dT14:00:00+00:00","status":null},{"end":null,'
        '"nis_code":null,"start":"2023-04-%02dT14:00:00+00:00","status":null}],'
        '"organizer_id":null,"public":true,"status":"available","theme_ids":["t1"]}'
        % (academy, n, n % 300, 1000 + n % 2900, 1 + version, n, day, day)
    ).encode()


def headers(n: int, version: int) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"e-{n}-{version}".encode()),
        ("ce_source", b"/stem/activities"),
        ("ce_type", TYPE.encode()),
        ("ce_subject", f"act-{n}".encode()),
        ("ce_time", b"2023-01-01T10:00:00Z"),
        ("ce_dataschema", b"urn:stem-platform:contracts:events:" + TYPE.encode()),
        ("content-type", b"application/json"),
    ]


async def produce(bootstrap: str, topic: str) -> None:
    producer = make_producer(bootstrap, client_id="bench-subsidy", linger_ms=20)
    await producer.start()
    try:
        activities = EVENTS // VERSIONS
        futures = []
        for version in range(VERSIONS):
            for n in range(activities):
                futures.append(
                    await producer.send(
                        topic,
                        value=activity_value(n, version),
                        key=f"act-{n}".encode(),
                        headers=headers(n, version),
                    )
                )
                if len(futures) >= 5000:
                    await asyncio.gather(*futures)
                    futures = []
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def rebuild(admin_dsn: str, bootstrap: str) -> None:
    topic = f"bench.subsidy.{uuid.uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    try:
        started = time.perf_counter()
        await produce(bootstrap, topic)
        print(
            f"produced {EVENTS:,} activity events in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        gc.disable()  # as the rebuild does: the baseline gets the same advantage
        started = time.perf_counter()
        raw = 0
        async for batch in read_topics(bootstrap, [topic]):
            raw += sum(1 for r in batch if r.value)
        raw_rate = raw / (time.perf_counter() - started)
        gc.enable()
        async with fresh_database(admin_dsn) as database:
            started = time.perf_counter()
            stats = await rebuild_from_topics(database, bootstrap, [topic])
            rate = stats.events / (time.perf_counter() - started)
        print(f"raw consumption of the same topic: {raw_rate:,.0f} events/s", flush=True)
        record(
            Figure(
                "subsidy",
                f"rebuild from the topics, {stats.events:,} events",
                round(rate),
                "events/s",
                baseline="raw consumption of the same topic (same reader, no processing)",
                baseline_value=round(raw_rate),
                target=">= 20,000 events/s and >= 0.3 of raw",
                met=rate >= 20_000 and rate / raw_rate >= 0.3,
                note=f"read+fold {stats.read_seconds:.1f} s, write {stats.write_seconds:.1f} s",
            )
        )
        print(
            f"rebuild: {rate:,.0f} events/s (target >= 20,000), ratio rebuild/raw "
            f"{rate / raw_rate:.2f} (target >= 0.3); {stats.activities:,} activities, "
            f"{stats.proofs:,} proofs; read+fold {stats.read_seconds:.1f} s, "
            f"write {stats.write_seconds:.1f} s",
            flush=True,
        )
        without = [name for name in WITHOUT if name in IN_PROCESS]
        if without:
            await side_by_side_rebuild(admin_dsn, bootstrap, topic, without)
    finally:
        await admin.delete_topics([topic])
        await admin.close()


async def main() -> int:
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    admin_dsn = os.environ["STEM_BENCH_POSTGRES_DSN"]
    await calculation(admin_dsn)
    await rebuild(admin_dsn, bootstrap)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
