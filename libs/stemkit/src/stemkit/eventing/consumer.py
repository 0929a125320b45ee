"""The consumer loop: Kafka -> handler, effectively once per consumer, with a dead-letter topic.

Consecutive messages of a fetched partition batch are settled in chunks of up to
`batch_size` (and no longer than about `chunk_seconds`, so that effects become visible
soon), each chunk in ONE database transaction: one inbox SELECT for the chunk's
event ids; for each event not seen (an id repeated inside the chunk is a duplicate the
second time) the handler runs; the inbox rows are inserted in one statement; COMMIT. Only
then is the Kafka offset of that partition committed (once per fetched batch, not per
message). A crash in between re-delivers the messages, and the inbox turns them into
no-ops. One transaction per chunk instead of per message saves a BEGIN/COMMIT (and its
fsync) and two inbox round trips per message: most of a cheap handler's cost.

On PostgreSQL each handler of a chunk runs in a savepoint: a handler that raises rolls back
its own effects only, the messages before it are committed, it is settled alone, and the
rest of the chunk goes on, so no good message runs twice (ADR 0018). If anything else in a
chunk raises (or a handler on SQLite), the whole chunk is rolled back and its messages are
settled one at a time, each in its own transaction (`batch_size=1` does that always): a handler
that raises (anything) is retried `max_attempts` times with exponential backoff; then the
message goes to the dead-letter topic (see `stemkit.eventing.kafka.dead_letter_message`), its offset
is committed without an inbox row, and the next message is handled. So a poison message
dead-letters only itself. A record that `read` rejects (not a CloudEvent, whatever went
wrong reading it; with a catalogue, an unknown type or version, or data that fails its
contract) ends the chunk before it and goes straight to the dead-letter topic; a
catalogued type the handler does not handle is skipped (ADR 0009). Database outages
(connection errors, `OperationalError`, e.g. SQLite's "database is locked") are not counted
as handler failures while the database does not answer `SELECT 1`: they are retried until
it is back, so an outage never dead-letters good events. A dead letter the broker refuses
is sent reduced, and one refused even so is logged and counted: never retried for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import (
    CommitFailedError,
    CorruptRecordException,
    IllegalStateError,
    KafkaError,
    KafkaTimeoutError,
)
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing.catalog import ContractViolation, EventCatalog, UnknownEventType
from stemkit.eventing.envelope import TYPE_PATTERN, CloudEvent, EnvelopeError, Headers
from stemkit.eventing.kafka import (
    KafkaRecord,
    dead_letter_message,
    make_consumer,
    make_producer,
    stop_quietly,
)
from stemkit.eventing.runner import Backoff, Stopped, cancel_on_stop, sleep_or_stop
from stemkit.logging import event_id_var
from stemkit.storage.db import inbox
from stemkit.storage.transaction_memo import forget_all

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
DeadLetterSink = Callable[[bytes | None, bytes, Headers], Awaitable[None]]
"""Sends one dead letter (key, value, headers); returns once the broker acknowledged it."""

EVENTS_HANDLED = Counter(
    "stem_events_handled_total", "Consumed events by outcome", ["consumer", "type", "outcome"]
)
DEAD_LETTERS = Counter(
    "stem_dead_letters_total", "Messages sent to the dead-letter topic", ["consumer"]
)
CONSUMER_LAG = Gauge(
    "stem_consumer_lag", "Highwater minus position, per batch", ["consumer", "topic", "partition"]
)
EVENTS_UNKNOWN = Counter(
    "stem_events_unknown_total",
    "Events of a type or version not in the catalogue for their topic (dead-lettered)",
    ["consumer", "type"],
)
DEAD_LETTERS_FAILED = Counter(
    "stem_dead_letters_failed_total",
    "Messages that could not be dead-lettered even reduced (logged and committed past)",
    ["consumer"],
)
HANDLER_DURATION = Histogram("stem_handler_duration_seconds", "Handler run time", ["consumer"])

COMMIT_EVERY = 1.0  # seconds: the longest a settled message waits for its offset commit
BATCH_SIZE = 100  # messages settled in one database transaction, at most
# A chunk takes no new message after this long: its effects become visible (and its row
# locks are released) at its commit, so a long chunk would delay what readers see.
CHUNK_SECONDS = 0.1


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"
    SKIPPED = "skipped"  # a catalogued type of the topic that this consumer does not handle
    DEAD_LETTER_FAILED = "dead_letter_failed"  # not even a reduced dead letter could be sent


REDUCED_VALUE_BYTES = 4096  # of the original value, in a dead letter too large to send whole
_MAX_TYPE_LABELS = 100  # distinct `type` label values of hostile records, then "other"
_type_labels: set[str] = set()


def type_label(type_name: str | None) -> str:
    """A metric label for a type read from a record: bounded, since any producer may write
    anything to a topic (one label value per hostile record would flood Prometheus)."""
    if type_name is None:
        return "unknown"
    if len(type_name) > 200 or not TYPE_PATTERN.match(type_name):
        return "invalid"
    if type_name not in _type_labels:
        if len(_type_labels) >= _MAX_TYPE_LABELS:
            return "other"
        _type_labels.add(type_name)
    return type_name


def _header_type(record: KafkaRecord) -> str:
    for name, raw in record.headers:
        if name == "ce_type":
            try:
                return type_label(raw.decode("utf-8"))
            except (AttributeError, UnicodeDecodeError):  # no value, or not UTF-8
                return "invalid"
    return "unknown"


_PROBE_RECORDS = 1000  # good records per partition read one by one to find an unreadable one


def unreadable_record(exc: BaseException) -> bool:
    """Whether `getmany` failed on a record it could not parse (rather than on the broker)."""
    if isinstance(exc, CorruptRecordException):
        return True
    return not isinstance(exc, KafkaError | OSError | asyncio.CancelledError)


@dataclass(frozen=True)
class _Unreadable:
    """Stands for a record the Kafka client cannot parse: only where it is is known."""

    topic: str
    partition: int
    offset: int
    timestamp: int = -1
    key: bytes | None = None
    value: bytes | None = None
    headers: Sequence[tuple[str, bytes]] = ()


def broker_outage(exc: BaseException) -> bool:
    """The broker is unreachable or slow (wait for it), rather than refusing this record."""
    if isinstance(exc, KafkaTimeoutError | OSError | TimeoutError):
        return True
    return isinstance(exc, KafkaError) and exc.retriable


def is_transient(exc: BaseException) -> bool:
    """A database/network outage rather than a failure of the handler's logic."""
    if isinstance(exc, OperationalError | InterfaceError | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


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
        # How many messages to parse for the next chunk: about what fits in `chunk_seconds`
        # at the pace of the last chunk (so few are parsed only to be left for the next).
        self._chunk_limit = batch_size
        self._idle = asyncio.Event()  # not in the middle of a chunk of messages
        self._idle.set()
        self._revoking = False
        self._uncommitted: dict[Any, int] = {}  # DB-committed, Kafka commit failed
        DEAD_LETTERS.labels(name)
        DEAD_LETTERS_FAILED.labels(name)

    # -- the loop -------------------------------------------------------------------------

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
                consumer.subscribe(self.topics, listener=_CommitOnRevoke(self, consumer))
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
                if not await self._skip_unreadable(consumer, exc, stop, dead_letters):
                    raise  # no record of ours is at fault after all
                continue
            for tp, records in batches.items():
                if not await self._consume_partition(consumer, tp, records, stop, dead_letters):
                    break

    async def _skip_unreadable(
        self, consumer: Any, error: Exception, stop: asyncio.Event, dead_letters: DeadLetterSink
    ) -> bool:
        """Find the records aiokafka cannot parse, dead-letter each and seek past it; False
        if there was none (so the error was not a record's).

        aiokafka raises while it parses a fetched record (UnicodeDecodeError for a header
        name that is not UTF-8, CorruptRecordException for a bad CRC), for the whole
        `getmany`, without saying where; it would raise again on every fetch. So every
        assigned partition is read again from the last settled offset, one record at a
        time: the good ones are handled, and where reading raises, the position is the
        unreadable record. A fetch from inside a record batch parses the batch from its
        start, so the records after an unreadable one in the same batch cannot be read
        either: they are dead-lettered too, each with its offset (another client can read
        them there). At most `_PROBE_RECORDS` good records per partition are read this way in
        one go; the next fetch (raising again) goes on from there.
        """
        found = False
        for tp in sorted(consumer.assignment(), key=lambda t: (t.topic, t.partition)):
            found_here = await self._probe_partition(consumer, tp, stop, dead_letters)
            if found_here is None:
                return True  # `stop` or a rebalance: the next fetch tells
            found = found or found_here
        if found or stop.is_set() or self._revoking:  # interrupted: the next fetch tells
            return True
        log.error(
            "consumer %s: reading records failed, but no unreadable record was found: %s",
            self.name,
            error,
        )
        return False

    async def _probe_partition(
        self, consumer: Any, tp: Any, stop: asyncio.Event, dead_letters: DeadLetterSink
    ) -> bool | None:
        """Read `tp` one record at a time from its last settled offset, settle the good ones
        (in chunks, as usual) and dead-letter each unreadable one. True if it found one or
        stopped after `_PROBE_RECORDS` good ones (the next fetch tells), False if it read
        to the end and all were good; None if `stop` or a rebalance came first."""
        offset = self._uncommitted.get(tp)
        if offset is None:
            committed = await consumer.committed(tp)
            offset = committed if committed is not None else 0
        consumer.seek(tp, offset)  # drop what was fetched: it is read again below
        found = False
        good: list[KafkaRecord] = []  # read, not yet settled
        while not (stop.is_set() or self._revoking):
            try:
                batch = await consumer.getmany(tp, timeout_ms=1000, max_records=1)
            except Exception as exc:
                if not unreadable_record(exc):
                    raise
                if good and not await self._consume_partition(
                    consumer, tp, good, stop, dead_letters
                ):
                    return None
                good = []
                position = await consumer.position(tp)  # where reading stopped
                reason = EnvelopeError(
                    "the Kafka client cannot read this record (or the record batch it is "
                    f"in): {type(exc).__name__}: {exc}"
                )
                placeholder = _Unreadable(tp.topic, tp.partition, position)
                outcome = await self._dead_letter(
                    placeholder, reason, 0, None, "unknown", stop, dead_letters
                )
                if outcome is None:
                    return None
                consumer.seek(tp, position + 1)
                self._uncommitted[tp] = position + 1
                await self._commit_pending(consumer, tp, stop)
                found = True
                continue
            records = batch.get(tp, [])
            good.extend(records)
            # Done at the end of what is there, after `_PROBE_RECORDS`, or at the first
            # good record after an unreadable one: then back to reading in batches.
            if not records or len(good) >= _PROBE_RECORDS or found:
                break
        else:
            return None
        if good and not await self._consume_partition(consumer, tp, good, stop, dead_letters):
            return None
        return found or len(good) >= _PROBE_RECORDS

    async def _consume_partition(
        self,
        consumer: Any,
        tp: Any,
        records: Sequence[KafkaRecord],
        stop: asyncio.Event,
        dead_letters: DeadLetterSink,
    ) -> bool:
        """Settle `records` of one partition in order and commit how far it got; False:
        stop this batch.

        The offset is committed once per batch (and every `COMMIT_EVERY` seconds of a long
        one), not once per message: a round trip to the group coordinator per message
        was most of this loop's cost. Only messages whose database transaction committed
        count, so a crash before the offset commit re-delivers them and the inbox makes
        them no-ops. Records left unprocessed are fetched again from the committed offset
        (after a rebalance, or when the process restarts), so leaving early skips nothing.
        """
        keep_going = True
        last_commit = time.monotonic()
        done = 0
        try:
            while done < len(records):
                if stop.is_set() or self._revoking:
                    keep_going = False
                    break
                self._idle.clear()
                try:
                    outcomes = await self.process_chunk(
                        records[done : done + self.batch_size], stop, dead_letters
                    )
                    if outcomes:
                        done += len(outcomes)
                        self._uncommitted[tp] = records[done - 1].offset + 1
                finally:
                    self._idle.set()
                if not outcomes:  # `stop` or a rebalance came first
                    keep_going = False
                    break
                highwater = consumer.highwater(tp)
                if highwater is not None:
                    lag = max(0, highwater - records[done - 1].offset - 1)
                    CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(lag)
                if time.monotonic() - last_commit >= COMMIT_EVERY:
                    await self._commit_pending(consumer, tp, stop)
                    last_commit = time.monotonic()
            await self._commit_pending(consumer, tp, stop)
        except (CommitFailedError, IllegalStateError) as exc:
            log.warning("consumer %s: offset commit failed (rebalance): %s", self.name, exc)
            return False
        return keep_going

    async def _commit_pending(self, consumer: Any, tp: Any, stop: asyncio.Event) -> None:
        """Commit the offset after the last settled message of `tp`, if not done yet (the
        revoke listener may have done it, and then the partition is no longer ours)."""
        offset = self._uncommitted.get(tp)
        if offset is None:
            return
        self._idle.clear()  # a rebalance waits for this commit, as for a message in hand
        try:
            await self._commit(consumer, tp, offset, stop)
        finally:
            self._idle.set()
        if self._uncommitted.get(tp) == offset:
            del self._uncommitted[tp]

    async def _commit(self, consumer: Any, tp: Any, offset: int, stop: asyncio.Event) -> None:
        """Commit `offset` for `tp`; when stopping, give it one bounded last try."""
        with contextlib.suppress(Stopped):
            await cancel_on_stop(consumer.commit({tp: offset}), stop)
            return
        try:
            await asyncio.wait_for(consumer.commit({tp: offset}), 5.0)
        except (TimeoutError, KafkaError) as exc:
            # harmless: the message comes again after a restart and the inbox skips it
            log.warning("consumer %s: offset not committed while stopping: %r", self.name, exc)

    # -- reading a record -------------------------------------------------------------------

    def read(self, record: KafkaRecord) -> CloudEvent:
        """The event in `record`, admitted by the rules of ADR 0009; else it raises, and the
        record is dead-lettered at once, without retries.

        Not a CloudEvent (whatever went wrong reading it) -> EnvelopeError; with a catalogue,
        a type not catalogued for the record's topic -> UnknownEventType, and data of a type
        this consumer handles that fails its payload model -> ContractViolation.
        """
        event = CloudEvent.from_kafka(record.key, record.value, list(record.headers))
        if self.catalog is None:
            return event
        event_type = self.catalog.get(event.type)
        if event_type.topic != record.topic:
            raise UnknownEventType(
                f"event type {event.type!r} is catalogued on {event_type.topic}, "
                f"not on {record.topic}"
            )
        if self.wants(event):
            try:
                event_type.payload.model_validate(event.data)
            except Exception as exc:
                raise ContractViolation(
                    f"data of {event.type} does not match its contract: {exc}"
                ) from exc
        return event

    def wants(self, event: CloudEvent) -> bool:
        """Whether the handler handles this event's type (the others are skipped)."""
        return self.handles is None or event.type in self.handles

    # -- a chunk of messages ----------------------------------------------------------------

    async def process_chunk(
        self, records: Sequence[KafkaRecord], stop: asyncio.Event, dead_letters: DeadLetterSink
    ) -> list[Outcome]:
        """Settle the leading records of `records` (one partition, in order); their outcomes.

        The leading CloudEvents, at most `batch_size` and as many as are handled within
        `chunk_seconds`, are settled in one transaction. A record that is not a CloudEvent
        ends that chunk (alone at the front, it is settled on its own). If the chunk's
        transaction raises, it is rolled back and its records are settled one at a time
        (`process`). `stop` or a rebalance ends either way after
        the message in hand. The outcomes are those of the records settled, from the
        first: fewer than the chunk (none at all) when `stop` or a rebalance came first.
        Like `process`, everything but the Kafka offset commit.
        """
        chunk: list[tuple[KafkaRecord, CloudEvent]] = []
        if self.batch_size > 1:
            for record in records[: self._chunk_limit]:
                try:
                    event = self.read(record)
                except Exception:  # settled (dead-lettered) on its own by `process`
                    break
                chunk.append((record, event))
        if len(chunk) < 2:
            outcome = await self.process(records[0], stop, dead_letters)
            return [] if outcome is None else [outcome]
        started = time.perf_counter()
        try:
            outcomes, failed = await self._handle_chunk(chunk, stop)
        except Exception as exc:
            log.warning(
                "consumer %s: a chunk of %d messages failed, settling them one at a time: %s: %s",
                self.name,
                len(chunk),
                type(exc).__name__,
                exc,
            )
            return await self._process_one_by_one([r for r, _ in chunk], stop, dead_letters)
        if outcomes:
            pace = (time.perf_counter() - started) / len(outcomes)
            self._chunk_limit = max(2, min(self.batch_size, int(self.chunk_seconds / pace) + 1))
        for (record, event), outcome in zip(chunk, outcomes, strict=False):
            token = event_id_var.set(event.id)
            try:
                self._settled(record, event, outcome)
            finally:
                event_id_var.reset(token)
        if not failed or stop.is_set() or self._revoking:
            return outcomes
        # A handler raised in its savepoint (PostgreSQL): the messages before it are
        # committed, it is settled alone (retries, dead letter), and the rest of the chunk
        # goes on in a new one. No good message runs twice.
        log.warning(
            "consumer %s: a message failed in a chunk; the %d before it are committed, "
            "it is settled alone",
            self.name,
            len(outcomes),
        )
        rest = [record for record, _ in chunk[len(outcomes) :]]
        outcome = await self.process(rest[0], stop, dead_letters)
        if outcome is None:
            return outcomes
        outcomes.append(outcome)
        if len(rest) > 1 and not stop.is_set() and not self._revoking:
            outcomes += await self.process_chunk(rest[1:], stop, dead_letters)
        return outcomes

    async def _process_one_by_one(
        self, records: Sequence[KafkaRecord], stop: asyncio.Event, dead_letters: DeadLetterSink
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for record in records:
            # Between messages, as the loop does: a rebalance waits for one message only.
            if stop.is_set() or self._revoking:
                break
            outcome = await self.process(record, stop, dead_letters)
            if outcome is None:
                break
            outcomes.append(outcome)
        return outcomes

    async def _handle_chunk(
        self, chunk: Sequence[tuple[KafkaRecord, CloudEvent]], stop: asyncio.Event
    ) -> tuple[list[Outcome], bool]:
        """The chunk in one transaction: one inbox read, the handlers, one inbox insert.

        After `chunk_seconds`, or when `stop` is set or a rebalance begins, the events
        handled so far are committed and the rest is left for the next chunk: a rebalance
        waits for one handler, not for a whole chunk.

        On PostgreSQL each handler runs in a savepoint: when one raises, only its effects
        are rolled back, the events before it are committed, and True says so (the event
        after the outcomes failed). Elsewhere (SQLite's driver has no dependable
        savepoints) the exception is raised and the whole chunk is rolled back.
        """
        outcomes: list[Outcome] = []
        failed = False
        began = time.perf_counter()
        async with self.session_factory() as session, session.begin():
            savepoints = session.get_bind().dialect.name == "postgresql"
            seen = set(
                await session.scalars(
                    select(inbox.c.event_id).where(
                        inbox.c.consumer == self.name,
                        inbox.c.event_id.in_(sorted({event.id for _, event in chunk})),
                    )
                )
            )
            rows: list[dict[str, Any]] = []
            for _, event in chunk:
                if outcomes and (
                    stop.is_set()
                    or self._revoking
                    or time.perf_counter() - began >= self.chunk_seconds
                ):
                    break
                if not self.wants(event):
                    outcomes.append(Outcome.SKIPPED)
                    continue
                if event.id in seen:
                    outcomes.append(Outcome.DUPLICATE)
                    continue
                token = event_id_var.set(event.id)
                started = time.perf_counter()
                try:
                    if savepoints:
                        async with session.begin_nested():
                            await self.handler(session, event)
                    else:
                        await self.handler(session, event)
                except Exception as exc:
                    if not savepoints or (is_transient(exc) and not await self.database_answers()):
                        raise
                    forget_all(session)  # the rolled-back writes may be in the memos
                    log.info(
                        "consumer %s: handler failed in a chunk: %s: %s",
                        self.name,
                        type(exc).__name__,
                        exc,
                    )
                    failed = True
                    break
                finally:
                    HANDLER_DURATION.labels(self.name).observe(time.perf_counter() - started)
                    event_id_var.reset(token)
                seen.add(event.id)  # a second copy inside the chunk is a duplicate
                rows.append(self._inbox_row(event))
                outcomes.append(Outcome.HANDLED)
            if rows:
                await session.execute(insert(inbox), rows)
        return outcomes, failed

    # -- one message ----------------------------------------------------------------------

    async def process(
        self, record: KafkaRecord, stop: asyncio.Event, dead_letters: DeadLetterSink
    ) -> Outcome | None:
        """Settle one record (handled, duplicate or dead-lettered); None if `stop` came first.

        Everything but the Kafka offset commit, which the caller does when this returns an
        outcome.
        """
        try:
            event = self.read(record)
        except Exception as exc:  # EnvelopeError, UnknownEventType, ContractViolation
            type_name = _header_type(record)
            if isinstance(exc, UnknownEventType):
                EVENTS_UNKNOWN.labels(self.name, type_name).inc()
            return await self._dead_letter(record, exc, 0, None, type_name, stop, dead_letters)
        token = event_id_var.set(event.id)
        try:
            if not self.wants(event):
                self._settled(record, event, Outcome.SKIPPED)
                return Outcome.SKIPPED
            outcome = await self._handle_with_retries(record, event, stop, dead_letters)
            if outcome is not None:
                self._log_outcome(record, event, outcome)
            return outcome
        finally:
            event_id_var.reset(token)

    def _settled(self, record: KafkaRecord, event: CloudEvent, outcome: Outcome) -> None:
        """Count and log an event settled by the handler or the inbox (not a dead letter)."""
        EVENTS_HANDLED.labels(self.name, event.type, outcome).inc()
        if outcome is Outcome.DUPLICATE:
            log.info("consumer %s: duplicate event %s skipped", self.name, event.id)
        self._log_outcome(record, event, outcome)

    def _log_outcome(self, record: KafkaRecord, event: CloudEvent, outcome: Outcome) -> None:
        # One line per event, carrying its CloudEvent id (in `event_id_var`): the trail an
        # operator follows from a producer's outbox to this consumer's effect. DEBUG: it is
        # the everyday case, and a console at INFO must not be a wall of it.
        log.debug(
            "event %s",
            outcome.value,
            extra={
                "event_type": event.type,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
            },
        )

    def _inbox_row(self, event: CloudEvent) -> dict[str, Any]:
        return {
            "consumer": self.name,
            "event_id": event.id,
            "event_type": event.type,
            "handled_at": datetime.now(UTC),
        }

    async def _handle_with_retries(
        self,
        record: KafkaRecord,
        event: CloudEvent,
        stop: asyncio.Event,
        dead_letters: DeadLetterSink,
    ) -> Outcome | None:
        failures = 0
        handler_backoff = Backoff(self.retry_backoff, self.max_retry_backoff)
        outage_backoff = Backoff(self.retry_backoff, self.max_retry_backoff)
        while True:
            try:
                outcome = await self._handle_once(event)
            except Exception as exc:
                # An outage is waited out without counting; an error that only looks like
                # one (a handler's own TimeoutError, SQLite's "too many SQL variables") while
                # the database answers is charged to the message, or it would loop for ever.
                if is_transient(exc) and not await self.database_answers():
                    delay = outage_backoff.next_delay()
                    log.warning(
                        "consumer %s: database unavailable, retrying in %.2fs: %s: %s",
                        self.name,
                        delay,
                        type(exc).__name__,
                        exc,
                    )
                else:
                    failures += 1
                    if failures >= self.max_attempts:
                        return await self._dead_letter(
                            record, exc, failures, event.id, event.type, stop, dead_letters
                        )
                    delay = handler_backoff.next_delay()
                    log.warning(
                        "consumer %s: handler failed (attempt %d of %d), retrying in %.2fs: %s: %s",
                        self.name,
                        failures,
                        self.max_attempts,
                        delay,
                        type(exc).__name__,
                        exc,
                    )
                if await sleep_or_stop(stop, delay):
                    return None
                continue
            EVENTS_HANDLED.labels(self.name, event.type, outcome).inc()
            if outcome is Outcome.DUPLICATE:
                log.info("consumer %s: duplicate event %s skipped", self.name, event.id)
            return outcome

    async def database_answers(self) -> bool:
        """Whether the database runs a `SELECT 1` (within 5 s) right now."""
        try:
            async with asyncio.timeout(5.0), self.session_factory() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def _handle_once(self, event: CloudEvent) -> Outcome:
        async with self.session_factory() as session, session.begin():
            seen = await session.scalar(
                select(inbox.c.event_id).where(
                    inbox.c.consumer == self.name, inbox.c.event_id == event.id
                )
            )
            if seen is not None:
                return Outcome.DUPLICATE
            started = time.perf_counter()
            try:
                await self.handler(session, event)
            finally:
                HANDLER_DURATION.labels(self.name).observe(time.perf_counter() - started)
            await session.execute(insert(inbox).values(**self._inbox_row(event)))
        return Outcome.HANDLED

    async def _dead_letter(
        self,
        record: KafkaRecord,
        reason: Exception,
        attempts: int,
        event_id: str | None,
        type_name: str,
        stop: asyncio.Event,
        dead_letters: DeadLetterSink,
    ) -> Outcome | None:
        """Send `record` to the dead-letter topic; `None` if `stop` came first.

        A broker outage is waited out (with backoff). A dead letter the broker refuses for
        good (too large, say: the original near the size limit plus the reason) is sent
        reduced: the headers, the reason and where the original was, with only the start
        of its value and a digest of the whole. If even that is refused, the loss is logged
        and counted (`stem_dead_letters_failed_total`) and the consumer moves on: one
        record must not stop its partition (ADR 0009).
        """
        letters = [
            dead_letter_message(
                record,
                consumer=self.name,
                reason=reason,
                attempts=attempts,
                event_id=event_id,
                value_limit=limit,
            )
            for limit in (None, REDUCED_VALUE_BYTES)
        ]
        backoff = Backoff(self.retry_backoff, self.max_retry_backoff)
        while letters:
            key, value, headers = letters[0]
            try:
                await cancel_on_stop(dead_letters(key, value, headers), stop)
                break
            except Stopped:
                return None
            except Exception as exc:
                if not broker_outage(exc):
                    letters.pop(0)
                    log.warning(
                        "consumer %s: the dead letter for %s/%d@%d was refused (%s: %s); %s",
                        self.name,
                        record.topic,
                        record.partition,
                        record.offset,
                        type(exc).__name__,
                        exc,
                        "sending it reduced" if letters else "giving up on it",
                    )
                    continue
                delay = backoff.next_delay()
                log.warning(
                    "consumer %s: dead-lettering failed, retrying in %.2fs: %s: %s",
                    self.name,
                    delay,
                    type(exc).__name__,
                    exc,
                )
                if await sleep_or_stop(stop, delay):
                    return None
        if not letters:
            log.error(
                "consumer %s: message %s/%d@%d could not be dead-lettered and is skipped; "
                "it failed with %s: %s",
                self.name,
                record.topic,
                record.partition,
                record.offset,
                type(reason).__name__,
                reason,
            )
            DEAD_LETTERS_FAILED.labels(self.name).inc()
            EVENTS_HANDLED.labels(self.name, type_name, Outcome.DEAD_LETTER_FAILED).inc()
            return Outcome.DEAD_LETTER_FAILED
        log.error(
            "consumer %s: message %s/%d@%d dead-lettered to %s after %d attempts: %s: %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            self.dead_letter_topic,
            attempts,
            type(reason).__name__,
            reason,
        )
        DEAD_LETTERS.labels(self.name).inc()
        EVENTS_HANDLED.labels(self.name, type_name, Outcome.DEAD_LETTERED).inc()
        return Outcome.DEAD_LETTERED


class _CommitOnRevoke:
    """Before a rebalance: let the message in hand finish, then commit what is pending.

    aiokafka awaits this listener while it holds up getmany(); it takes no lock the fetch
    loop holds (that deadlocks, see aiokafka docs/consumer.rst): it only waits, bounded,
    for the loop to finish its current message, and the loop stops taking new ones.
    """

    def __init__(self, owner: EventConsumer, consumer: Any, wait: float = 30.0) -> None:
        self.owner = owner
        self.consumer = consumer
        self.wait = wait

    async def on_partitions_revoked(self, revoked: set[Any]) -> None:
        self.owner._revoking = True
        try:
            await asyncio.wait_for(self.owner._idle.wait(), self.wait)
        except TimeoutError:
            log.warning("consumer %s: message still in hand at rebalance", self.owner.name)
        pending = {tp: off for tp, off in self.owner._uncommitted.items() if tp in revoked}
        if pending:
            try:
                await self.consumer.commit(pending)
            except KafkaError as exc:
                log.warning("consumer %s: commit on revoke failed: %s", self.owner.name, exc)
        for tp in revoked:
            self.owner._uncommitted.pop(tp, None)

    async def on_partitions_assigned(self, assigned: set[Any]) -> None:
        self.owner._revoking = False
        log.info(
            "consumer %s: assigned %s",
            self.owner.name,
            sorted(f"{tp.topic}/{tp.partition}" for tp in assigned),
        )


ConsumerRebalanceListener.register(_CommitOnRevoke)  # aiokafka checks isinstance
