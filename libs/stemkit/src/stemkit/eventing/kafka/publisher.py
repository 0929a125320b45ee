"""The relay's `Publisher` on Kafka (CloudEvents binary mode), and which refusals park a row."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
)

from stemkit.eventing.kafka.clients import make_producer, stop_quietly
from stemkit.eventing.relay import OutboxMessage, PublishError

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
