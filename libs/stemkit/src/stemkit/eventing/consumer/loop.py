"""EventConsumer: what it consumes and how, and its loop (connect, fetch, reconnect)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any

from aiokafka.errors import KafkaError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing.catalog import EventCatalog
from stemkit.eventing.consumer import chunks, one_message, reading
from stemkit.eventing.consumer.dead_letters import DeadLetterSink
from stemkit.eventing.consumer.faults import unreadable_record
from stemkit.eventing.consumer.metrics import DEAD_LETTERS, DEAD_LETTERS_FAILED, Outcome, log
from stemkit.eventing.consumer.offsets import CommitOnRevoke, consume_partition
from stemkit.eventing.consumer.unreadable import skip_unreadable
from stemkit.eventing.envelope import CloudEvent, Headers
from stemkit.eventing.kafka import KafkaRecord, make_consumer, make_producer, stop_quietly
from stemkit.eventing.runner import Backoff, sleep_or_stop

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]

BATCH_SIZE = 100  # messages settled in one database transaction, at most
# A chunk takes no new message after this long: its effects become visible (and its row
# locks are released) at its commit, so a long chunk would delay what readers see.
CHUNK_SECONDS = 0.1


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        bootstrap_servers: str,
        session_factory: async_sessionmaker[AsyncSession],
        handler: Handler,
        dead_letter_topic: str,
        max_attempts: int = 5,
        retry_backoff: float = 0.5,
        max_retry_backoff: float = 30.0,
        consumer_options: Mapping[str, Any] | None = None,
        batch_size: int = BATCH_SIZE,
        chunk_seconds: float = CHUNK_SECONDS,
        catalog: EventCatalog | None = None,
        handles: Collection[str] | None = None,
    ) -> None:
        """`catalog`: the event types that may appear on `topics`; with it, a record of a
        type not catalogued for its topic is dead-lettered ("unknown type", counted in
        `stem_events_unknown_total`), and one whose data fails its payload model is
        dead-lettered as a contract violation, both before the handler sees them.
        `handles`: the catalogued types the handler handles (default: all); the others are
        skipped and counted (`stem_events_handled_total{outcome="skipped"}`). See ADR 0009.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.name = name
        self.topics = list(topics)
        self.bootstrap_servers = bootstrap_servers
        self.session_factory = session_factory
        self.handler = handler
        self.dead_letter_topic = dead_letter_topic
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.max_retry_backoff = max(max_retry_backoff, retry_backoff)
        self.consumer_options = dict(consumer_options or {})
        self.batch_size = batch_size
        self.chunk_seconds = chunk_seconds
        self.catalog = catalog
        self.handles = None if handles is None else frozenset(handles)
        # The loop's state, shared with its parts (chunks, offsets, the revoke listener):
        self._chunk_limit = batch_size  # messages to read for the next chunk (`chunks`)
        self._idle = asyncio.Event()  # not in the middle of a chunk of messages
        self._idle.set()
        self._revoking = False  # a rebalance is waiting: take no new message
        self._uncommitted: dict[Any, int] = {}  # DB-committed, Kafka commit failed
        DEAD_LETTERS.labels(name)
        DEAD_LETTERS_FAILED.labels(name)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; reconnect (with backoff) after broker errors."""
        backoff = Backoff(self.retry_backoff, self.max_retry_backoff)
        while not stop.is_set():
            consumer = make_consumer(
                self.bootstrap_servers, group_id=self.name, **self.consumer_options
            )
            producer = make_producer(self.bootstrap_servers, client_id=f"{self.name}-dead-letters")
            self._revoking = False
            self._uncommitted.clear()
            try:
                consumer.subscribe(self.topics, listener=CommitOnRevoke(self, consumer))
                await consumer.start()
                await producer.start()
                backoff.reset()
                log.info("consumer %s started on %s", self.name, ", ".join(self.topics))
                await self._consume(consumer, producer, stop)
            except (KafkaError, OSError) as exc:
                delay = backoff.next_delay()
                log.warning(
                    "consumer %s: broker error, reconnecting in %.2fs: %s: %s",
                    self.name,
                    delay,
                    type(exc).__name__,
                    exc,
                )
                await sleep_or_stop(stop, delay)
            except Exception:
                log.exception("consumer %s crashed", self.name)
                raise
            finally:
                await stop_quietly(consumer)
                await stop_quietly(producer)
        log.info("consumer %s stopped", self.name)

    async def _consume(self, consumer: Any, producer: Any, stop: asyncio.Event) -> None:
        async def dead_letters(key: bytes | None, value: bytes, headers: Headers) -> None:
            future = await producer.send(
                self.dead_letter_topic, value=value, key=key, headers=headers
            )
            await future

        while not stop.is_set():
            try:
                batches = await consumer.getmany(timeout_ms=500)
            except Exception as exc:
                if not unreadable_record(exc):
                    raise
                if not await skip_unreadable(self, consumer, exc, stop, dead_letters):
                    raise  # no record of ours is at fault after all
                continue
            for tp, records in batches.items():
                if not await consume_partition(self, consumer, tp, records, stop, dead_letters):
                    break

    # -- the parts, as methods (what tests and benches call) -------------------------------

    async def process_chunk(
        self, records: Sequence[KafkaRecord], stop: asyncio.Event, dead_letters: DeadLetterSink
    ) -> list[Outcome]:
        """Settle the leading records of `records` in one transaction (`chunks`)."""
        return await chunks.process_chunk(self, records, stop, dead_letters)

    async def process(
        self, record: KafkaRecord, stop: asyncio.Event, dead_letters: DeadLetterSink
    ) -> Outcome | None:
        """Settle one record on its own, with retries (`one_message`)."""
        return await one_message.process(self, record, stop, dead_letters)

    def read(self, record: KafkaRecord) -> CloudEvent:
        """The event in `record`, or it raises and the record is dead-lettered (`reading`)."""
        return reading.read(record, self.catalog, self.handles)

    def wants(self, event: CloudEvent) -> bool:
        """Whether the handler handles this event's type (the others are skipped)."""
        return reading.wanted(event, self.handles)

    async def database_answers(self) -> bool:
        """Whether the database runs a `SELECT 1` (within 5 s) right now."""
        try:
            async with asyncio.timeout(5.0), self.session_factory() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True
