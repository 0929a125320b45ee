"""What the platform shows after the storm: its read APIs, its Kafka topics read start to
end (no consumer group), and whether it is quiet yet (its own databases and group lag)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.kafka import load_topic_metadata
from tests.chaos import poison
from tests.chaos.console import say

ACTIVITY_TOPIC = "stem.activities.activity.v1"
REACH_TOPIC = "stem.subsidy.reach.v1"
CALCULATION_TOPIC = "stem.subsidy.calculation.v1"
DEAD_LETTER_TOPICS = tuple(sorted(set(poison.DEAD_LETTER_TOPIC.values())))
GROUPS = ("activities", "subsidy")


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    event: CloudEvent


@dataclass
class TopicRead:
    records: int = 0  # as stored, duplicates of an event id included
    events: list[Record] = field(default_factory=list)  # first copy of each event id
    poison: int = 0  # records the run wrote there on purpose (tests/chaos/poison.py)
    undecodable: list[str] = field(default_factory=list)  # others that are no CloudEvent

    @property
    def duplicates(self) -> int:
        return self.records - len(self.events)


@dataclass(frozen=True)
class DeadLetterSeen:
    key: str
    consumer: str
    reason: str
    original_topic: str


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await load_topic_metadata(consumer, topic)
    found: set[int] = consumer.partitions_for_topic(topic) or set()
    return found


async def read_records(bootstrap: str, topic: str) -> list[Any]:
    """Every record of `topic` from the first offset to the end offset at the start of the
    read, as stored."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    found: list[Any] = []
    try:
        partitions = await _partitions(consumer, topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return found
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        deadline = time.monotonic() + 120
        while remaining and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    found.append(record)
                    if record.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
        if remaining:
            raise TimeoutError(f"{topic}: could not read to the end of {sorted(remaining)}")
    finally:
        await consumer.stop()
    return found


def is_poison(record: Any) -> bool:
    return bool(record.key) and bytes(record.key).startswith(poison.KEY_PREFIX.encode())


async def read_topic(bootstrap: str, topic: str) -> TopicRead:
    """Every record of `topic`, deduplicated by CloudEvent id (at-least-once allows a
    repeated id, nothing else); the run's own poison records are counted apart."""
    found = TopicRead()
    seen: set[str] = set()
    for record in await read_records(bootstrap, topic):
        if is_poison(record):
            found.poison += 1
            continue
        found.records += 1
        try:
            event = CloudEvent.from_kafka(record.key, record.value, list(record.headers))
        except Exception as exc:
            found.undecodable.append(f"{record.partition}:{record.offset}: {exc}"[:200])
            continue
        if event.id not in seen:
            seen.add(event.id)
            found.events.append(Record(record.partition, record.offset, event))
    return found


async def read_dead_letters(bootstrap: str, topic: str) -> list[DeadLetterSeen]:
    """Every dead letter of `topic`: the original key, who sent it, why, and from where
    (the headers stemkit.eventing.kafka.dead_letter_message writes)."""
    found = []
    for record in await read_records(bootstrap, topic):
        headers = {name: (raw or b"").decode("utf-8", "replace") for name, raw in record.headers}
        key = (record.key or b"").decode("utf-8", "replace")
        found.append(
            DeadLetterSeen(
                key,
                headers.get("dlq_consumer", ""),
                headers.get("dlq_reason", ""),
                headers.get("dlq_original_topic", ""),
            )
        )
    return found


async def quarantine(client: httpx.AsyncClient, base: str, ops_token: str) -> dict[str, str]:
    """webhook-id -> reason of every delivery in quarantine (GET /quarantine, ops only)."""
    found: dict[str, str] = {}
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if after is not None:
            params["after"] = after
        response = await client.get(
            f"{base}/quarantine",
            params=params,
            headers={"Authorization": f"Bearer {ops_token}"},
        )
        response.raise_for_status()
        page = response.json()
        for item in page["items"]:
            found[item["webhook_id"]] = item.get("reason") or ""
        after = page.get("next_after")
        if not after:
            return found


async def group_lag(bootstrap: str, groups: Iterable[str]) -> dict[str, int]:
    """Messages each consumer group has not committed yet, over the topics it reads."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        lags = {}
        for group in groups:
            committed = await admin.list_consumer_group_offsets(group)
            topics = {tp.topic for tp in committed}
            tps = []
            for topic in sorted(topics):
                for p in await _partitions(consumer, topic):
                    tps.append(TopicPartition(topic, p))
            ends = await consumer.end_offsets(tps) if tps else {}
            lags[group] = sum(
                ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in tps
            )
        return lags
    finally:
        await consumer.stop()
        await admin.close()


async def scalar(url: str, sql: str) -> int:
    """One number from a service's database, on a connection of its own (no pool to go
    stale across a PostgreSQL restart)."""
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 5})
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


# A parked row is settled (it waits for ops, not for the relay): not part of the backlog.
UNSENT = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL"
PARKED = "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL"


async def database_backlog(database_urls: dict[str, str]) -> dict[str, int]:
    """Work the services have accepted but not finished, from their own tables."""
    queries = {
        "activities deliveries waiting": (
            "activities",
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'received'",
        ),
        "activities outbox unsent": (
            "activities",
            UNSENT,
        ),
        "registry outbox unsent": ("registry", UNSENT),
        "subsidy outbox unsent": ("subsidy", UNSENT),
        "subsidy years to calculate": ("subsidy", "SELECT count(*) FROM dirty_years"),
    }
    found = {}
    for name, (service, sql) in queries.items():
        found[name] = await scalar(database_urls[service], sql)
    return found


async def database_totals(database_urls: dict[str, str]) -> dict[str, int]:
    """Counters that move while anything still happens (for the "quiet" check) and the
    quarantine, which must stay empty."""
    queries = {
        "deliveries": ("activities", "SELECT count(*) FROM webhook_deliveries"),
        "quarantined": (
            "activities",
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'quarantined'",
        ),
        "activities outbox": ("activities", "SELECT coalesce(max(seq), 0) FROM outbox"),
        "subsidy outbox": ("subsidy", "SELECT coalesce(max(seq), 0) FROM outbox"),
        "calculation runs": ("subsidy", "SELECT count(*) FROM calculation_runs"),
        "registry outbox parked": ("registry", PARKED),
        "activities outbox parked": ("activities", PARKED),
        "subsidy outbox parked": ("subsidy", PARKED),
    }
    found = {}
    for name, (service, sql) in queries.items():
        found[name] = await scalar(database_urls[service], sql)
    return found


async def wait_quiet(
    bootstrap: str,
    database_urls: dict[str, str],
    *,
    within: float,
    quiet_for: float,
    on_tick: Any = None,
) -> tuple[bool, dict[str, int]]:
    """Until nothing is waiting anywhere and nothing moved for `quiet_for` seconds (longer
    than the poller's interval and the subsidy's 5 s debounce), or `within` runs out."""
    deadline = time.monotonic() + within
    last: dict[str, int] | None = None
    still_since = time.monotonic()
    state: dict[str, int] = {}
    while time.monotonic() < deadline:
        if on_tick is not None:
            on_tick()
        try:
            backlog = await database_backlog(database_urls)
            totals = await database_totals(database_urls)
            lag = await group_lag(bootstrap, GROUPS)
        except Exception as exc:  # a restarting process or broker: look again
            state = {"error": 1}
            say(f"quiescence check failed ({type(exc).__name__}: {exc}); again")
            await asyncio.sleep(2)
            continue
        state = {**backlog, **{f"lag {g}": n for g, n in lag.items()}, **totals}
        busy = any(backlog.values()) or any(lag.values())
        if busy or state != last:
            last, still_since = state, time.monotonic()
        elif time.monotonic() - still_since >= quiet_for:
            return True, state
        await asyncio.sleep(1.0)
    return False, state


# --------------------------------------------------------------------------- read APIs


async def activities_by_id(
    client: httpx.AsyncClient, base: str, ids: list[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for n in range(0, len(ids), 100):
        response = await client.get(
            f"{base}/activities", params={"ids": ",".join(ids[n : n + 100])}
        )
        response.raise_for_status()
        for item in response.json()["items"]:
            found[item["activity_id"]] = item
    return found


async def listed_count(client: httpx.AsyncClient, base: str, academy_id: str | None) -> int:
    """Activities on the STEM-kalender (all, or of one academy), counted through its pages."""
    count, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if academy_id is not None:
            params["academy_id"] = academy_id
        if cursor is not None:
            params["cursor"] = cursor
        response = await client.get(f"{base}/activities", params=params)
        response.raise_for_status()
        body = response.json()
        count += len(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            return count


async def reach(
    client: httpx.AsyncClient, base: str, academy_ids: list[str]
) -> list[dict[str, Any]]:
    response = await client.get(f"{base}/reach", params={"academy_ids": ",".join(academy_ids)})
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


async def subsidies(client: httpx.AsyncClient, base: str, year: int) -> list[dict[str, Any]] | None:
    response = await client.get(f"{base}/subsidies", params={"year": year})
    if response.status_code == 404:
        return None
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


def data(record: Record) -> dict[str, Any]:
    return dict(record.event.data)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
