"""A chunk of messages in ONE database transaction.

Consecutive CloudEvents of a partition, at most `batch_size` and as many as are handled
within `chunk_seconds`, share one transaction: one inbox SELECT for their ids, the handler
for each one not seen (an id repeated inside the chunk is a duplicate the second time),
one inbox INSERT, COMMIT. That saves a BEGIN/COMMIT (and its fsync) and two inbox round
trips per message: most of a cheap handler's cost.

On PostgreSQL each handler runs in a savepoint: one that raises rolls back its own effects
only, the messages before it are committed, it is settled alone (`one_message`), and the
rest goes on in a new chunk, so no good message runs twice (ADR 0018). If anything else
raises (or a handler on SQLite), the whole chunk is rolled back and its messages are
settled one at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from stemkit.eventing.consumer.chunk_transaction import Chunk, handle_chunk
from stemkit.eventing.consumer.dead_letters import DeadLetterSink
from stemkit.eventing.consumer.metrics import (
    Outcome,
    count_handled,
    log,
    log_outcome,
)
from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.kafka import KafkaRecord
from stemkit.logging import event_id_var

if TYPE_CHECKING:
    from stemkit.eventing.consumer.loop import EventConsumer


async def process_chunk(
    consumer: EventConsumer,
    records: Sequence[KafkaRecord],
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> list[Outcome]:
    """Settle the leading records of `records` (one partition, in order); their outcomes.

    A record that is not a CloudEvent ends the chunk (alone at the front, it is settled on
    its own). `stop` or a rebalance ends either way after the message in hand. The
    outcomes are those of the records settled, from the first: fewer than the chunk (none
    at all) when `stop` or a rebalance came first. Everything but the Kafka offset commit.
    """
    chunk = _leading_events(consumer, records)
    if len(chunk) < 2:
        outcome = await consumer.process(records[0], stop, dead_letters)
        return [] if outcome is None else [outcome]
    started = time.perf_counter()
    try:
        outcomes, failed = await handle_chunk(consumer, chunk, stop)
    except Exception as exc:
        log.warning(
            "consumer %s: a chunk of %d messages failed, settling them one at a time: %s: %s",
            consumer.name,
            len(chunk),
            type(exc).__name__,
            exc,
        )
        return await _one_by_one(consumer, [r for r, _ in chunk], stop, dead_letters)
    if outcomes:
        _adapt_chunk_limit(consumer, (time.perf_counter() - started) / len(outcomes))
    for (record, event), outcome in zip(chunk, outcomes, strict=False):
        token = event_id_var.set(event.id)
        try:
            count_handled(consumer.name, event, outcome)
            log_outcome(record, event, outcome)
        finally:
            event_id_var.reset(token)
    if not failed or stop.is_set() or consumer._revoking:
        return outcomes
    rest = [record for record, _ in chunk[len(outcomes) :]]
    return outcomes + await _after_failure(consumer, len(outcomes), rest, stop, dead_letters)


def _leading_events(consumer: EventConsumer, records: Sequence[KafkaRecord]) -> Chunk:
    """The leading records that read as CloudEvents, as many as the next chunk takes."""
    chunk: list[tuple[KafkaRecord, CloudEvent]] = []
    if consumer.batch_size > 1:
        for record in records[: consumer._chunk_limit]:
            try:
                event = consumer.read(record)
            except Exception:  # settled (dead-lettered) on its own by `process`
                break
            chunk.append((record, event))
    return chunk


def _adapt_chunk_limit(consumer: EventConsumer, pace: float) -> None:
    # Parse about what fits in `chunk_seconds` at this pace for the next chunk (so few
    # are parsed only to be left for the one after).
    limit = int(consumer.chunk_seconds / pace) + 1
    consumer._chunk_limit = max(2, min(consumer.batch_size, limit))


async def _after_failure(
    consumer: EventConsumer,
    committed: int,
    rest: Sequence[KafkaRecord],
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> list[Outcome]:
    """A handler raised in its savepoint (PostgreSQL): the `committed` messages before it
    are committed, it is settled alone (retries, dead letter), and the rest of the chunk
    goes on in a new one. No good message runs twice."""
    log.warning(
        "consumer %s: a message failed in a chunk; the %d before it are committed, "
        "it is settled alone",
        consumer.name,
        committed,
    )
    outcome = await consumer.process(rest[0], stop, dead_letters)
    if outcome is None:
        return []
    if len(rest) > 1 and not stop.is_set() and not consumer._revoking:
        return [outcome, *await consumer.process_chunk(rest[1:], stop, dead_letters)]
    return [outcome]


async def _one_by_one(
    consumer: EventConsumer,
    records: Sequence[KafkaRecord],
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for record in records:
        # Between messages, as the loop does: a rebalance waits for one message only.
        if stop.is_set() or consumer._revoking:
            break
        outcome = await consumer.process(record, stop, dead_letters)
        if outcome is None:
            break
        outcomes.append(outcome)
    return outcomes
