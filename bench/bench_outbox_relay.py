"""Outbox relay throughput against raw aiokafka, on the same broker in the same run.

The relay reads unsent rows from PostgreSQL in `seq` order, publishes them with the
idempotent producer and marks them sent. The baseline sends the same messages (same keys,
values and headers, same batch size, same idempotent producer settings) straight from
memory with aiokafka. The ratio says what the outbox's durability costs.

    make bench        # or, with a broker and database running:
    KAFKA_BOOTSTRAP_SERVERS=... STEM_BENCH_POSTGRES_DSN=... python -m bench.bench_outbox_relay
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import BaseModel
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench.results import Figure, record
from stemkit.eventing import CloudEvent, EventCatalog, EventType
from stemkit.eventing.kafka import KafkaPublisher, make_producer
from stemkit.eventing.relay import OutboxRelay
from stemkit.storage.db import make_engine, make_session_factory, metadata, outbox

EVENTS = int(os.environ.get("BENCH_EVENTS", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
BATCH = 500
AGGREGATES = 1000


class BenchPayload(BaseModel):
    aggregate_id: str
    name: str
    postal_code: str
    description: str


def catalog_for(topic: str) -> EventCatalog:
    return EventCatalog(
        [EventType("be.vlaio.stem.bench.happened.v1", topic, BenchPayload, "aggregate_id", "")]
    )


def rows(catalog: EventCatalog) -> list[dict[str, object]]:
    now = datetime.now(UTC)
    out = []
    for i in range(EVENTS):
        payload = BenchPayload(
            aggregate_id=f"agg-{i % AGGREGATES}",
            name=f"Robotica-lessenreeks {i}",
            postal_code="3000",
            description="x" * 200,  # about the size of an activity event
        )
        event = catalog.new_event(payload, source="/stem/bench")
        out.append(
            {
                "event_id": event.id,
                "topic": catalog.get(event.type).topic,
                "key": event.subject,
                "event_type": event.type,
                "envelope": event.to_json(),
                "created_at": now,
            }
        )
    return out


async def relay_round(admin_dsn: str, bootstrap: str, topic: str) -> float:
    catalog = catalog_for(topic)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_dsn, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(admin_dsn).set(database=name).render_as_string(False))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with engine.begin() as conn:
            await conn.execute(insert(outbox), rows(catalog))
        publisher = KafkaPublisher(bootstrap, client_id="bench-relay")
        relay = OutboxRelay(
            service="bench",
            session_factory=make_session_factory(engine),
            publisher=publisher,
            batch_size=BATCH,
        )
        await publisher.start()
        started = time.perf_counter()
        sent = 0
        while sent < EVENTS:
            sent += await relay.relay_once()
        elapsed = time.perf_counter() - started
        await publisher.stop()
        return EVENTS / elapsed
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def raw_round(bootstrap: str, topic: str) -> float:
    # Exactly what the relay sends: the envelope in Kafka binary mode.
    messages = [
        CloudEvent.model_validate_json(str(row["envelope"])).to_kafka()
        for row in rows(catalog_for(topic))
    ]
    producer = make_producer(bootstrap, client_id="bench-raw")
    await producer.start()
    try:
        started = time.perf_counter()
        for first in range(0, EVENTS, BATCH):
            futures = [
                await producer.send(topic, value=value, key=key, headers=headers)
                for key, value, headers in messages[first : first + BATCH]
            ]
            await asyncio.gather(*futures)
        elapsed = time.perf_counter() - started
    finally:
        await producer.stop()
    return EVENTS / elapsed


async def main() -> int:
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    admin_dsn = os.environ["STEM_BENCH_POSTGRES_DSN"]
    topic = f"bench.outbox.{uuid.uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    await admin.close()
    relay_rates, raw_rates = [], []
    for round_no in range(1, ROUNDS + 1):
        raw_rates.append(await raw_round(bootstrap, topic))
        relay_rates.append(await relay_round(admin_dsn, bootstrap, topic))
        print(
            f"round {round_no}: raw aiokafka {raw_rates[-1]:,.0f} events/s, "
            f"outbox relay {relay_rates[-1]:,.0f} events/s",
            flush=True,
        )
    raw, relay = statistics.median(raw_rates), statistics.median(relay_rates)
    print(
        f"events per round: {EVENTS:,} (~{len(str(rows(catalog_for(topic))[0]['envelope']))} B "
        f"envelope), {AGGREGATES} keys, 3 partitions, batch {BATCH}, median of {ROUNDS}"
    )
    print(f"raw aiokafka idempotent producer: {raw:,.0f} events/s")
    print(f"outbox relay (PostgreSQL -> Kafka): {relay:,.0f} events/s")
    print(f"ratio relay/raw: {relay / raw:.2f}")
    record(
        Figure(
            "outbox_relay",
            "outbox relay, PostgreSQL -> Kafka",
            round(relay),
            "events/s",
            baseline="raw aiokafka idempotent producer, same messages",
            baseline_value=round(raw),
            note=f"{EVENTS:,} events per round, batch {BATCH}, 3 partitions, median of {ROUNDS}",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
