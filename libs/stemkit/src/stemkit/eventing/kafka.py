"""aiokafka plumbing shared by the relay and the consumer loop.

- `make_producer`: idempotent producer (`enable_idempotence=True`, `acks="all"`): broker
  retries cannot duplicate or reorder within a partition, and batches never expire.
- `make_consumer`: manual commits (`enable_auto_commit=False`), `auto_offset_reset="earliest"`.
- `MAX_MESSAGE_BYTES`: the one size limit of a record, end to end (below).
- `KafkaPublisher`: the relay's `Publisher` on Kafka (CloudEvents binary mode).
- `dead_letter_message`: the document a consumer sends to its dead-letter topic.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
)

from stemkit.eventing.catalog import ContractViolation, UnknownEventType
from stemkit.eventing.envelope import EnvelopeError, Headers
from stemkit.eventing.kafka_security import connection_options
from stemkit.eventing.relay import OutboxMessage, PublishError

log = logging.getLogger(__name__)

# The largest record (key, value, headers and the batch header around it) the platform sends,
# the same everywhere: the producer refuses anything larger (`max_request_size`: a
# MessageSizeTooLargeError, and the relay parks that row, ADR 0008); every topic's
# `max.message.bytes` in deploy/topics.yaml (so also Strimzi's KafkaTopics) equals it; the
# brokers' `message.max.bytes` is left at Kafka's default 1,048,588, just above it; the
# consumers fetch up to this much per partition and FETCH_MAX_BYTES per request, so any
# record a topic accepts can be read. tests/contract/test_message_sizes.py checks all of it.
MAX_MESSAGE_BYTES = 1_048_576
FETCH_MAX_BYTES = 50 * MAX_MESSAGE_BYTES  # aiokafka's default, 52,428,800


def make_producer(bootstrap_servers: str, *, client_id: str, **options: Any) -> Any:
    """An idempotent AIOKafkaProducer (not started)."""
    options.setdefault("linger_ms", 5)
    options.setdefault("max_request_size", MAX_MESSAGE_BYTES)
    options = {**connection_options(), **options}
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        **options,
    )


def make_consumer(bootstrap_servers: str, *, group_id: str, **options: Any) -> Any:
    """An AIOKafkaConsumer in group `group_id` that only commits when told to (not started)."""
    options.setdefault("client_id", group_id)
    options.setdefault("max_partition_fetch_bytes", MAX_MESSAGE_BYTES)
    options.setdefault("fetch_max_bytes", FETCH_MAX_BYTES)
    options = {**connection_options(), **options}
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **options,
    )


async def stop_quietly(client: Any, grace: float = 10.0) -> None:
    """Stop an aiokafka producer/consumer; give up after `grace` seconds (e.g. broker gone)."""
    try:
        await asyncio.wait_for(client.stop(), grace)
    except Exception as exc:  # stopping is best effort: we are leaving anyway
        log.warning("stopping %s failed: %s: %s", type(client).__name__, type(exc).__name__, exc)


# The broker's and the producer's refusals of one record for what it is: sending it again
# gives the same answer, so the relay parks it (ADR 0008).
RECORD_ERRORS: tuple[type[KafkaError], ...] = (
    MessageSizeTooLargeError,  # over max_request_size, or over the topic's max.message.bytes
    RecordTooLargeError,
    CorruptRecordException,
    InvalidTimestampError,
)


def record_is_at_fault(error: BaseException) -> bool:
    """Can the record that raised `error` never be sent as it is?

    Yes for the refusals in RECORD_ERRORS and for anything that is not Kafka's, the
    network's or a timeout (turning the row into a record failed: its envelope). Every
    other Kafka error (broker down, leader election, authorization, fenced producer) is
    about the connection, never about one record: retried, never parked.
    """
    if isinstance(error, RECORD_ERRORS):
        return True
    return not isinstance(error, KafkaError | OSError | TimeoutError | asyncio.CancelledError)


class KafkaPublisher:
    """Sends outbox rows to Kafka in binary mode: key = the row's key, topic = its topic.

    A batch is sent with `send()` for every message, then the acks are awaited together
    (up to `timeout` seconds). The producer starts lazily, so a relay whose broker is down
    at startup keeps retrying instead of crashing. Messages that were handed to the
    producer but not acknowledged in time stay queued inside it (idempotent batches never
    expire); the next `publish` first waits for them instead of queueing yet more copies.
    A record refused for what it is (`record_is_at_fault`) raises a PublishError marked
    `unsendable`, which the relay parks.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str = "stem-outbox-relay",
        timeout: float = 10.0,
        **producer_options: Any,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self.timeout = timeout
        self.producer_options = producer_options
        self._producer: Any = None
        self._inflight: list[asyncio.Future[Any]] = []

    async def start(self) -> None:
        await self._ensure_producer()

    async def stop(self) -> None:
        producer, self._producer, self._inflight = self._producer, None, []
        if producer is not None:
            await stop_quietly(producer, self.timeout)

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        await self._drain_inflight()
        producer = await self._ensure_producer()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        futures: list[asyncio.Future[Any]] = []
        error: BaseException | None = None
        failed_at = -1  # the message `error` belongs to (-1: none in particular)
        try:
            async with asyncio.timeout(self.timeout):  # bounds the metadata waits in send()
                for message in messages:
                    try:
                        _, value, headers = message.event().to_kafka()
                        key = message.key.encode()
                        sent = await producer.send(
                            message.topic, value=value, key=key, headers=headers
                        )
                    except Exception as exc:  # the rest of the batch is not sent: no skipping
                        error, failed_at = exc, len(futures)
                        break
                    futures.append(sent)
        except TimeoutError as exc:
            error = exc
        if futures:
            await asyncio.wait(futures, timeout=max(0.0, deadline - loop.time()))
        acked = 0
        for future in futures:
            if not future.done():
                break
            if future.exception() is not None:
                error, failed_at = future.exception(), acked  # before a failed send()
                break
            acked += 1
        for future in futures:  # retrieve every outcome (no "exception never retrieved")
            if future.done():
                future.exception()
        self._inflight = [f for f in futures if not f.done()]
        if acked == len(messages):
            return
        if error is None:
            error = TimeoutError(f"no ack from the broker within {self.timeout}s")
        # Only the first unacknowledged message may be parked: a refusal of a later one
        # waits until the messages before it are acknowledged.
        unsendable = failed_at == acked and record_is_at_fault(error)
        if isinstance(error, KafkaError) and not error.retriable and not record_is_at_fault(error):
            await self.stop()  # e.g. a fenced/unknown producer id: start a fresh producer
        raise PublishError(
            f"{len(messages) - acked} of {len(messages)} messages not acknowledged: "
            f"{type(error).__name__}: {error}",
            acknowledged=acked,
            error_type=type(error).__name__,
            unsendable=unsendable,
        ) from error

    async def _drain_inflight(self) -> None:
        if not self._inflight:
            return
        _, pending = await asyncio.wait(self._inflight, timeout=self.timeout)
        for future in self._inflight:
            if future.done():
                future.exception()
        self._inflight = list(pending)
        if pending:
            raise PublishError(
                f"{len(pending)} messages of an earlier batch still wait for the broker",
                error_type="KafkaTimeoutError",
            )

    async def _ensure_producer(self) -> Any:
        if self._producer is None:
            producer = make_producer(
                self.bootstrap_servers, client_id=self.client_id, **self.producer_options
            )
            try:
                await producer.start()
            except BaseException:
                await stop_quietly(producer, self.timeout)
                raise
            self._producer = producer
        return self._producer


class KafkaRecord(Protocol):
    """What the consumer loop reads of an aiokafka `ConsumerRecord`."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


def _bytes_doc(raw: bytes | None, limit: int | None = None) -> dict[str, Any]:
    """`raw` as JSON: UTF-8 text, or base64 when it is not UTF-8. With `limit`, only its
    first `limit` bytes, plus its size and SHA-256 (to match it with the original)."""
    if raw is None:
        return {"encoding": None, "data": None}
    doc: dict[str, Any] = {}
    if limit is not None and len(raw) > limit:
        doc = {"truncated": True, "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
        raw = raw[:limit]
    try:
        return {"encoding": "utf-8", "data": raw.decode("utf-8"), **doc}
    except UnicodeDecodeError:
        return {"encoding": "base64", "data": base64.b64encode(raw).decode("ascii"), **doc}


def dead_letter_category(reason: BaseException) -> str:
    """Why a record was dead-lettered, in one word (ADR 0009): `undecodable` (not a
    CloudEvent), `unknown_type` (not in the catalogue for its topic), `contract` (data
    that fails its payload model) or `handler` (the handler kept failing)."""
    if isinstance(reason, EnvelopeError):
        return "undecodable"
    if isinstance(reason, UnknownEventType):
        return "unknown_type"
    if isinstance(reason, ContractViolation):
        return "contract"
    return "handler"


def dead_letter_message(
    record: KafkaRecord,
    *,
    consumer: str,
    reason: BaseException,
    attempts: int,
    event_id: str | None = None,
    value_limit: int | None = None,
) -> tuple[bytes | None, bytes, Headers]:
    """Key, value and headers of the dead letter for `record` (same key as the original).

    With `value_limit`, the reduced dead letter sent when the whole one is refused (too
    large): the original's value, key and each header cut to `value_limit` bytes, each with
    its size and SHA-256, and a `dlq_reduced` header.
    """
    why = f"{type(reason).__name__}: {reason}"
    category = dead_letter_category(reason)
    reduced = value_limit is not None
    small = 256 if reduced else None  # key and header values of a reduced letter
    message, original_headers = str(reason), list(record.headers)
    if reduced:
        message, original_headers = message[:1000], original_headers[:50]
    document = {
        "consumer": consumer,
        "dead_lettered_at": datetime.now(UTC).isoformat(),
        "attempts": attempts,
        "category": category,
        "reason": {"type": type(reason).__name__, "message": message},
        "event_id": event_id,
        "reduced": reduced,
        "original": {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp": record.timestamp,
            "key": _bytes_doc(record.key, small),
            "value": _bytes_doc(record.value, value_limit),
            "headers": [{"name": name, **_bytes_doc(raw, small)} for name, raw in original_headers],
        },
    }
    headers: Headers = [
        ("content-type", b"application/json"),
        ("dlq_reason", why[:1000].encode()),
        ("dlq_category", category.encode()),
        ("dlq_consumer", consumer.encode()),
        ("dlq_attempts", str(attempts).encode()),
        ("dlq_original_topic", record.topic.encode()),
        ("dlq_original_partition", str(record.partition).encode()),
        ("dlq_original_offset", str(record.offset).encode()),
    ]
    if event_id is not None:
        headers.append(("dlq_event_id", event_id[:256].encode()))
    key = record.key
    if reduced:
        headers.append(("dlq_reduced", b"true"))
        if key is not None and len(key) > 1024:
            key = None  # a key that large would be refused too; the document has its start
    return key, json.dumps(document).encode(), headers
