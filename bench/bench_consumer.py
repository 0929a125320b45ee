"""The subsidy consumer: ActivityPublished events from Kafka applied to PostgreSQL, with one
database transaction per event (`batch_size=1`, the baseline) and one per chunk (the
defaults: up to 100 events, taking no new one after 0.1 s), in the same run.

BENCH_CONSUMER_EVENTS (default 3,000) valid ActivityPublished events, for 30 recognised
academies (Uitrollers in 2023), are produced to a fresh 3-partition topic. Each variant
runs `EventConsumer` with the subsidy consumer's own handler (`handle_event`) in its own
consumer group, on its own fresh, migrated database that holds the academies' registry
events. Figures: events/s, process CPU per event (this process: consumer loop, handler,
Kafka client and driver; not the PostgreSQL server), SQL statements and transactions per
event.

    make bench        # or, with a broker and database running:
    KAFKA_BOOTSTRAP_SERVERS=... STEM_BENCH_POSTGRES_DSN=... python -m bench.bench_consumer
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import event

from bench.bench_subsidy import fresh_database
from bench.results import Figure, record
from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityPublished, Location, Occurrence
from stemkit.contracts.registry import RecognitionDecided, RoleAssigned
from stemkit.eventing.consumer import BATCH_SIZE, CHUNK_SECONDS, EventConsumer
from stemkit.eventing.kafka import make_producer
from stemkit.storage.db import Database
from subsidy.service_layer.handlers import handle_event

EVENTS = int(os.environ.get("BENCH_CONSUMER_EVENTS", "3000"))
ACADEMIES = 30
MUNICIPALITIES = 40
PARTITIONS = 3
PUBLISHED = "be.vlaio.stem.activity.published.v1"
SOURCE = "/stem/activities"


def academy_id(n: int) -> str:
    return f"acad-{n % ACADEMIES:02d}"


def registry_events() -> list[BaseModel]:
    """Each academy recognised from 2021 on and an Uitroller in 2023."""
    found: list[BaseModel] = []
    for n in range(ACADEMIES):
        found.append(RoleAssigned(academy_id=academy_id(n), year=2023, role="uitroller"))
        found.append(
            RecognitionDecided(
                academy_id=academy_id(n),
                decision_id=f"d-{n}",
                status="recognised",
                decided_on=date(2021, 1, 1),
                valid_from=date(2021, 1, 1),
                reason="erkend",
                author="bench",
            )
        )
    return found


def activity(n: int) -> ActivityPublished:
    day = 1 + n % 28
    return ActivityPublished(
        activity_id=f"act-{n}",
        name=f"Robots bouwen {n}",
        academy_id=academy_id(n),
        occurrences=[
            Occurrence(start=datetime.fromisoformat(f"2023-03-{day:02d}T14:00:00+01:00")),
            Occurrence(start=datetime.fromisoformat(f"2023-04-{day:02d}T14:00:00+02:00")),
        ],
        location=Location(
            name="De Krook",
            nis_code=f"4{n % MUNICIPALITIES:04d}",
            postal_code=str(9000 + n % MUNICIPALITIES),
        ),
        theme_ids=["robotica"],
        modified=datetime.fromisoformat("2023-02-01T10:00:00+00:00"),
    )


async def produce(bootstrap: str, topic: str) -> None:
    producer = make_producer(bootstrap, client_id="bench-consumer", linger_ms=20)
    await producer.start()
    try:
        futures = []
        for n in range(EVENTS):
            key, value, headers = CATALOG.new_event(activity(n), source=SOURCE).to_kafka()
            futures.append(await producer.send(topic, value=value, key=key, headers=headers))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


@dataclass(frozen=True)
class Result:
    events: int  # measured: from the first settled event to the last
    seconds: float
    cpu_seconds: float
    statements: Counter[str]
    transactions: int

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.events

    def per_event(self, count: int) -> float:
        return count / self.events


def handled(name: str) -> int:
    labels = {"consumer": name, "type": PUBLISHED, "outcome": "handled"}
    return int(REGISTRY.get_sample_value("stem_events_handled_total", labels) or 0)


async def consume(database: Database, bootstrap: str, topic: str, batch_size: int) -> Result:
    """Run the consumer until every event is handled. The clock and the CPU count start
    when the first events are settled (so the group join is left out) and the figures are
    for the events settled after that."""
    async with database.session_factory.begin() as session:
        for payload in registry_events():
            await handle_event(session, CATALOG.new_event(payload, source="/stem/registry"))
    name = f"bench-consumer-{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(
        name=name,
        topics=[topic],
        bootstrap_servers=bootstrap,
        session_factory=database.session_factory,
        handler=handle_event,
        dead_letter_topic="stem.subsidy.dlq.v1",
        batch_size=batch_size,
    )
    statements: Counter[str] = Counter()
    transactions = 0
    counting = False

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if counting:
            statements[" ".join(statement.split())[:60]] += 1

    def commit(_conn: Any) -> None:
        nonlocal transactions
        if counting:
            transactions += 1

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", commit)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        while True:
            first = handled(name)
            if first:
                break
            await asyncio.sleep(0.005)
        counting = True
        started, cpu = time.perf_counter(), time.process_time()
        while handled(name) < EVENTS:
            if task.done():
                task.result()  # the consumer crashed: its error
                raise RuntimeError("the consumer stopped early")
            await asyncio.sleep(0.02)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        counting = False
    finally:
        stop.set()
        await task
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "commit", commit)
    return Result(EVENTS - first, seconds, cpu, statements, transactions)


def describe(label: str, result: Result) -> str:
    total = sum(result.statements.values())
    top = ", ".join(f"{n / result.events:.2f} x {s!r}" for s, n in result.statements.most_common(8))
    return (
        f"{label}: {result.events:,} events in {result.seconds:.2f} s = {result.rate:,.0f} "
        f"events/s; CPU {result.cpu_ms:.2f} ms/event; {total / result.events:.2f} SQL "
        f"statements and {result.per_event(result.transactions):.3f} transactions per event\n"
        f"  most frequent statements per event: {top}"
    )


async def main() -> int:
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    admin_dsn = os.environ["STEM_BENCH_POSTGRES_DSN"]
    topic = f"bench.consumer.{uuid.uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    try:
        started = time.perf_counter()
        await produce(bootstrap, topic)
        print(
            f"produced {EVENTS:,} ActivityPublished events ({ACADEMIES} academies, "
            f"{PARTITIONS} partitions) in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        results: dict[int, Result] = {}
        for batch_size in (1, BATCH_SIZE):
            async with fresh_database(admin_dsn) as database:
                results[batch_size] = await consume(database, bootstrap, topic, batch_size)
            label = "one transaction per event" if batch_size == 1 else "a transaction per chunk"
            print(describe(label, results[batch_size]), flush=True)
    finally:
        await admin.delete_topics([topic])
        await admin.close()

    base, chunked = results[1], results[BATCH_SIZE]
    baseline = "one transaction per event (batch_size=1)"
    what = (
        f"subsidy consumer, {EVENTS:,} ActivityPublished events, a transaction per chunk "
        f"(batch_size={BATCH_SIZE}, chunk_seconds={CHUNK_SECONDS})"
    )
    record(
        Figure(
            "consumer",
            f"{what}: throughput",
            round(chunked.rate),
            "events/s",
            baseline=baseline,
            baseline_value=round(base.rate),
            note=f"{PARTITIONS} partitions; from the first settled event to the last; "
            f"{1 / chunked.per_event(chunked.transactions):.1f} events per transaction",
        )
    )
    record(
        Figure(
            "consumer",
            f"{what}: CPU per event",
            round(chunked.cpu_ms, 2),
            "ms",
            baseline=baseline,
            baseline_value=round(base.cpu_ms, 2),
            note="process CPU of the consumer (not the PostgreSQL server's)",
        )
    )
    record(
        Figure(
            "consumer",
            f"{what}: SQL statements per event",
            round(chunked.per_event(sum(chunked.statements.values())), 2),
            "statements",
            baseline=baseline,
            baseline_value=round(base.per_event(sum(base.statements.values())), 2),
            note=f"transactions per event: {chunked.per_event(chunked.transactions):.3f} "
            f"(baseline {base.per_event(base.transactions):.3f})",
        )
    )
    print(
        f"per chunk / per event: throughput x{chunked.rate / base.rate:.2f}, "
        f"CPU per event x{chunked.cpu_ms / base.cpu_ms:.2f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
