"""How long the pipeline made no progress while work was waiting, stage by stage.

Sampled twice a second during the storm and the wait for quiet, from the services' own
tables and the consumer groups' committed offsets (no metrics endpoint: processes are
killed and their counters start again):

| stage | work waiting | progress |
|---|---|---|
| delivery worker | deliveries received and due | one more settled, or a retry scheduled |
| `<service>` relay | outbox rows neither sent nor parked | one more sent or parked |
| `<group>` consumer | committed offsets behind the end offsets | a committed offset moved |

A stall is a time during which a stage had work waiting and made no progress. A stall
that overlaps a fault of that stage (its process killed, Kafka or PostgreSQL restarting,
plus the time a restarted process needs to be back: `GRACE`) is explained by the fault;
the others are what a poison message would cause, and the run requires them to stay
under `MAX_UNEXPLAINED` seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.chaos.console import say

INTERVAL = 0.5
MAX_UNEXPLAINED = 10.0
# After a process is started again: Python start-up and, for a consumer, the group
# coordinator's wait for the killed member's session to time out (10 s) and the rejoin; for
# the worker, the killed one's claims running out (processing.CLAIM_LEASE, 15 s).
GRACE = {"consumer": 25.0, "worker": 25.0, "other": 15.0}

DELIVERIES = """
SELECT count(*) FILTER (WHERE status = 'received'
                          AND (next_attempt_at IS NULL OR next_attempt_at <= now())),
       count(*) FILTER (WHERE status <> 'received'),
       coalesce(sum(attempts) FILTER (WHERE status = 'received'), 0)
FROM webhook_deliveries
"""
OUTBOX = """
SELECT count(*) FILTER (WHERE sent_at IS NULL AND parked_at IS NULL),
       count(*) FILTER (WHERE sent_at IS NOT NULL OR parked_at IS NOT NULL)
FROM outbox
"""
# The processes and outages that explain a stall of each stage.
CAUSES = {
    "delivery worker": {"activities-worker", "postgres"},
    "registry relay": {"registry-relay", "kafka", "postgres"},
    "activities relay": {"activities-relay", "kafka", "postgres"},
    "subsidy relay": {"subsidy-relay", "kafka", "postgres"},
    "activities consumer": {"activities-consumer", "kafka", "postgres"},
    "subsidy consumer": {"subsidy-consumer", "kafka", "postgres"},
}


@dataclass(frozen=True)
class Window:
    """A fault: `what` was down (killed, or restarting) from `start` until `end`."""

    what: str
    start: float
    end: float


@dataclass(frozen=True)
class Stall:
    stage: str
    start: float  # monotonic
    seconds: float
    explained_by: str | None  # the fault it overlaps, if any

    def describe(self, began: float) -> str:
        why = f", during {self.explained_by}" if self.explained_by else ""
        return f"{self.stage}: {self.seconds:.1f} s from {self.start - began:.1f} s{why}"


@dataclass
class _Stage:
    since: float | None = None  # waiting without progress since
    token: Any = None


@dataclass
class StallWatch:
    bootstrap: str
    database_urls: dict[str, str]
    groups: tuple[str, ...] = ("activities", "subsidy")
    stalls: list[Stall] = field(default_factory=list)  # every stall longer than 1 s
    samples: int = 0
    failed_samples: int = 0  # the database did not answer
    failed_kafka_samples: int = 0  # Kafka did not answer (the consumer stages: no news)
    kafka_timeout: float = 5.0
    _abandoned: set[asyncio.Future[Any]] = field(default_factory=set)
    _stages: dict[str, _Stage] = field(default_factory=dict)
    _open: dict[str, tuple[float, float]] = field(default_factory=dict)  # stage -> start, last
    _engines: dict[str, AsyncEngine] = field(default_factory=dict)
    _kafka: tuple[AIOKafkaAdminClient, AIOKafkaConsumer] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        for service, url in self.database_urls.items():
            self._engines[service] = create_async_engine(
                url, pool_size=1, max_overflow=0, pool_pre_ping=True, connect_args={"timeout": 3}
            )
        try:
            while not stop.is_set():
                began = time.monotonic()
                try:
                    found = await asyncio.wait_for(self._sample_database(), 5)
                except Exception:  # a restarting database: no news this time
                    self.failed_samples += 1
                    await asyncio.sleep(1.0)  # not a connection storm while it is down
                else:
                    found.update(await self._sample_kafka())
                    self._update(began, found)
                self.samples += 1
                await asyncio.sleep(max(0.0, INTERVAL - (time.monotonic() - began)))
        finally:
            now = time.monotonic()
            for stage, (start, _) in list(self._open.items()):
                self._close(stage, start, now)
            await self._close_kafka()
            for engine in self._engines.values():
                await engine.dispose()

    # ----------------------------------------------------------------- sampling

    async def _sample_kafka(self) -> dict[str, tuple[int, Any]]:
        """The consumer groups' stages; none when Kafka does not answer in time. A call
        to a paused (SIGSTOP) broker may not even end when cancelled: it is left behind
        with its clients, so it never holds up the database stages (it did: one paused
        broker froze every stage of the watch for minutes)."""
        sampling = asyncio.ensure_future(self._groups())
        done, _ = await asyncio.wait({sampling}, timeout=self.kafka_timeout)
        if sampling in done and sampling.exception() is None:
            return {f"{group} consumer": value for group, value in sampling.result().items()}
        self.failed_kafka_samples += 1
        if sampling not in done:
            sampling.cancel()
            self._abandoned.add(sampling)
            sampling.add_done_callback(self._abandoned.discard)
        clients, self._kafka = self._kafka, None
        if clients is not None:  # closed in the background, never awaited here
            closing = asyncio.ensure_future(self._close_clients(clients))
            self._abandoned.add(closing)
            closing.add_done_callback(self._abandoned.discard)
        return {}

    async def _close_clients(self, clients: tuple[AIOKafkaAdminClient, AIOKafkaConsumer]) -> None:
        admin, consumer = clients
        for closing in (admin.close(), consumer.stop()):
            try:
                await asyncio.wait_for(closing, 30)
            except BaseException as exc:
                say(f"stall watch: closing a Kafka client: {type(exc).__name__}")

    async def _sample_database(self) -> dict[str, tuple[int, Any]]:
        found: dict[str, tuple[int, Any]] = {}
        async with self._engines["activities"].connect() as connection:
            due, settled, attempts = (await connection.execute(text(DELIVERIES))).one()
            found["delivery worker"] = (int(due), (settled, attempts))
        for service in ("registry", "activities", "subsidy"):
            async with self._engines[service].connect() as connection:
                unsent, done = (await connection.execute(text(OUTBOX))).one()
                found[f"{service} relay"] = (int(unsent), done)
        return found

    async def _groups(self) -> dict[str, tuple[int, int]]:
        if self._kafka is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
            consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
            self._kafka = (admin, consumer)  # closed by the caller if starting fails
            await admin.start()
            await consumer.start()
        admin, consumer = self._kafka
        found = {}
        for group in self.groups:
            committed = await admin.list_consumer_group_offsets(group)
            tps = sorted(committed, key=lambda tp: (tp.topic, tp.partition))
            ends = await consumer.end_offsets(tps) if tps else {}
            done = sum(max(committed[tp].offset, 0) for tp in tps)
            lag = sum(ends[tp] - max(committed[tp].offset, 0) for tp in tps)
            found[group] = (lag, done)
        return found

    async def _close_kafka(self) -> None:
        if self._kafka is not None:
            admin, consumer = self._kafka
            self._kafka = None
            for closing in (admin.close(), consumer.stop()):
                try:
                    await closing
                except Exception as exc:
                    say(f"stall watch: closing a Kafka client: {type(exc).__name__}")

    def _update(self, now: float, found: dict[str, tuple[int, Any]]) -> None:
        for stage, (waiting, token) in found.items():
            state = self._stages.setdefault(stage, _Stage())
            moved = state.token is not None and token != state.token
            state.token = token
            if waiting <= 0 or moved:
                if stage in self._open:
                    start, _ = self._open.pop(stage)
                    self._close(stage, start, now)
                state.since = now if waiting > 0 else None
                continue
            if state.since is None:
                state.since = now
            self._open[stage] = (state.since, now)

    def _close(self, stage: str, start: float, end: float) -> None:
        if end - start > 1.0:
            self.stalls.append(Stall(stage, start, end - start, None))

    # ----------------------------------------------------------------- judging

    def judged(self, faults: list[Window]) -> list[Stall]:
        """Every stall, with the fault that explains it (if any)."""
        found = []
        for stall in self.stalls:
            end = stall.start + stall.seconds
            cause, most = None, 0.0
            for fault in faults:
                what = cause_of(fault.what)
                if what not in CAUSES.get(stall.stage, set()):
                    continue
                grace = GRACE.get(what.rsplit("-", 1)[-1], GRACE["other"])
                if what in ("kafka", "postgres"):  # every client reconnects
                    grace = GRACE["consumer"]
                overlap = min(end, fault.end + grace) - max(stall.start, fault.start)
                if overlap >= 0 and (cause is None or overlap > most):
                    cause, most = fault.what, overlap  # the fault that covers most of it
            found.append(Stall(stall.stage, stall.start, stall.seconds, cause))
        return found


def cause_of(fault: str) -> str:
    """What a fault is, for `CAUSES`: a replica (`activities-consumer#2`) is its process, a
    broker fault of the cluster (`kafka:leader`) is Kafka."""
    if fault.startswith("kafka:"):
        return "kafka"
    return fault.split("#", 1)[0]


def summary(stalls: list[Stall], began: float) -> dict[str, Any]:
    """The figures: the longest stall, the longest no fault explains, and the top ones."""
    longest = max(stalls, key=lambda s: s.seconds, default=None)
    unexplained = [s for s in stalls if s.explained_by is None]
    worst = max(unexplained, key=lambda s: s.seconds, default=None)
    top = sorted(stalls, key=lambda s: -s.seconds)[:8]
    return {
        "longest_s": round(longest.seconds, 1) if longest else 0.0,
        "longest": longest.describe(began) if longest else "none",
        "longest_unexplained_s": round(worst.seconds, 1) if worst else 0.0,
        "longest_unexplained": worst.describe(began) if worst else "none",
        "stalls_over_1s": len(stalls),
        "top": [s.describe(began) for s in top],
    }
