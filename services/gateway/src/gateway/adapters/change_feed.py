"""The gateway's own reader of the platform's change topics, for its response cache (ADR 0016).

Every gateway process keeps its own cache, so every process must see every event: the
reader takes all partitions of the topics itself (`assign`, no consumer group: nothing to
rebalance, no offsets to commit) and starts at their end, since an empty cache needs no
history. An event calls `on_change(topic)`.

The cache may answer only while the reader is known to be current. After each poll the
reader asks the broker for the topics' end offsets; when its positions have reached them,
every event published before that question was asked has been applied, and `verified_at`
moves to the moment the question was asked. `fresh_enough(max_lag)` is true when that was
at most `max_lag` seconds ago: a broker that does not answer, a reader that fell behind or
crashed, all make it false, and the cache steps aside (fail safe). Each (re)start raises
every epoch (`on_restart`): events missed while the reader was away cannot be replayed
from the end, so nothing kept before counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from stemkit.eventing.kafka import (
    FETCH_MAX_BYTES,
    MAX_MESSAGE_BYTES,
    cluster_metadata,
    stop_quietly,
)
from stemkit.eventing.kafka_security import connection_options

log = logging.getLogger(__name__)


class ChangeFeed:
    def __init__(
        self,
        bootstrap_servers: str,
        topics: Iterable[str],
        on_change: Callable[[str], None],
        on_restart: Callable[[], None],
        *,
        poll_seconds: float = 0.1,
        broker_timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topics = sorted(topics)
        self.on_change, self.on_restart = on_change, on_restart
        self.poll_seconds, self.broker_timeout, self.clock = poll_seconds, broker_timeout, clock
        self.verified_at: float | None = None
        self.events_seen = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def fresh_enough(self, max_lag: float) -> bool:
        verified = self.verified_at
        return verified is not None and self.clock() - verified <= max_lag

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-change-feed")

    async def stop(self) -> None:
        """Stop reading. aiokafka's start can swallow a cancellation (its bootstrap retries),
        so the loops also check a flag, and the wait is bounded."""
        self._stopping = True
        self.verified_at = None
        task = self._task
        if task is None:
            return
        for _ in range(3):
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=3.0)
            if done:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    task.result()
                return
        log.warning("change feed did not stop in time; left to end with the process")

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            consumer = self._consumer()
            try:
                await asyncio.wait_for(consumer.start(), self.broker_timeout * 5)
                partitions = await self._partitions(consumer)
                consumer.assign(partitions)
                await consumer.seek_to_end(*partitions)
                self.on_restart()
                log.info("change feed reading %d partitions of %s", len(partitions), self.topics)
                backoff = 0.5
                await self._follow(consumer, partitions)
            except asyncio.CancelledError:
                self.verified_at = None
                await stop_quietly(consumer, grace=2.0)
                raise
            except Exception as error:  # the broker away, a timeout: retry; the cache steps aside
                self.verified_at = None
                log.warning(
                    "change feed down (%s: %s); the response cache is bypassed until it is back",
                    type(error).__name__,
                    error,
                )
            await stop_quietly(consumer, grace=2.0)
            if self._stopping:
                break
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    def _consumer(self) -> Any:
        return AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            group_id=None,
            client_id="gateway-change-feed",
            enable_auto_commit=False,
            auto_offset_reset="latest",
            max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
            fetch_max_bytes=FETCH_MAX_BYTES,
            fetch_max_wait_ms=int(self.poll_seconds * 1000),
            request_timeout_ms=int(self.broker_timeout * 1000) + 1000,
            **connection_options(),
        )

    async def _partitions(self, consumer: Any) -> list[TopicPartition]:
        # The whole cluster's metadata: a consumer without subscription keeps none of its
        # own (`partitions_for_topic` answers None before a subscription).
        metadata = await asyncio.wait_for(cluster_metadata(consumer), self.broker_timeout)
        found: list[TopicPartition] = []
        for topic in self.topics:
            numbers = metadata.partitions_for_topic(topic)
            if not numbers:
                raise LookupError(f"topic {topic} not found")
            found += [TopicPartition(topic, n) for n in sorted(numbers)]
        return found

    async def _follow(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        timeout_ms = int(self.poll_seconds * 1000)
        while not self._stopping:
            batch = await consumer.getmany(timeout_ms=timeout_ms)
            changed = {tp.topic for tp, records in batch.items() if records}
            for topic in changed:
                self.on_change(topic)
            self.events_seen += sum(len(records) for records in batch.values())
            asked = self.clock()
            ends = await asyncio.wait_for(consumer.end_offsets(partitions), self.broker_timeout)
            behind = False
            for tp in partitions:
                position = await asyncio.wait_for(consumer.position(tp), self.broker_timeout)
                if position < ends[tp]:
                    behind = True
            if not behind:
                self.verified_at = asked
