"""Records the Kafka client cannot parse: found one by one and dead-lettered.

aiokafka raises while it parses a fetched record (UnicodeDecodeError for a header name
that is not UTF-8, CorruptRecordException for a bad CRC), for the whole `getmany`, without
saying where; it would raise again on every fetch. So every assigned partition is read
again from the last settled offset, one record at a time: the good ones are handled, and
where reading raises, the position is the unreadable record. A fetch from inside a record
batch parses the batch from its start, so the records after an unreadable one in the same
batch cannot be read either: they are dead-lettered too, each with its offset (another
client can read them there). At most `PROBE_RECORDS` good records per partition are read
this way in one go; the next fetch (raising again) goes on from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stemkit.eventing.consumer.dead_letters import DeadLetterSink, dead_letter
from stemkit.eventing.consumer.faults import unreadable_record
from stemkit.eventing.consumer.metrics import log
from stemkit.eventing.consumer.offsets import commit_pending, consume_partition
from stemkit.eventing.envelope import EnvelopeError
from stemkit.eventing.kafka import KafkaRecord

if TYPE_CHECKING:
    from stemkit.eventing.consumer.loop import EventConsumer

PROBE_RECORDS = 1000  # good records per partition read one by one to find an unreadable one


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


async def skip_unreadable(
    owner: EventConsumer,
    consumer: Any,
    error: Exception,
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> bool:
    """Find the records aiokafka cannot parse, dead-letter each and seek past it; False
    if there was none (so the error was not a record's)."""
    found = False
    for tp in sorted(consumer.assignment(), key=lambda t: (t.topic, t.partition)):
        found_here = await _probe_partition(owner, consumer, tp, stop, dead_letters)
        if found_here is None:
            return True  # `stop` or a rebalance: the next fetch tells
        found = found or found_here
    if found or stop.is_set() or owner._revoking:  # interrupted: the next fetch tells
        return True
    log.error(
        "consumer %s: reading records failed, but no unreadable record was found: %s",
        owner.name,
        error,
    )
    return False


async def _probe_partition(
    owner: EventConsumer, consumer: Any, tp: Any, stop: asyncio.Event, dead_letters: DeadLetterSink
) -> bool | None:
    """Read `tp` one record at a time from its last settled offset, settle the good ones
    (in chunks, as usual) and dead-letter each unreadable one. True if it found one or
    stopped after `PROBE_RECORDS` good ones (the next fetch tells), False if it read
    to the end and all were good; None if `stop` or a rebalance came first."""
    await _seek_to_settled(owner, consumer, tp)
    found = False
    good: list[KafkaRecord] = []  # read, not yet settled
    while not (stop.is_set() or owner._revoking):
        try:
            batch = await consumer.getmany(tp, timeout_ms=1000, max_records=1)
        except Exception as exc:
            if not unreadable_record(exc):
                raise
            if good and not await consume_partition(owner, consumer, tp, good, stop, dead_letters):
                return None
            good = []
            if not await _dead_letter_unreadable(owner, consumer, tp, exc, stop, dead_letters):
                return None
            found = True
            continue
        records = batch.get(tp, [])
        good.extend(records)
        # Done at the end of what is there, after `PROBE_RECORDS`, or at the first
        # good record after an unreadable one: then back to reading in batches.
        if not records or len(good) >= PROBE_RECORDS or found:
            break
    else:
        return None
    if good and not await consume_partition(owner, consumer, tp, good, stop, dead_letters):
        return None
    return found or len(good) >= PROBE_RECORDS


async def _seek_to_settled(owner: EventConsumer, consumer: Any, tp: Any) -> None:
    """Back to the offset after the last settled record: what was fetched is read again."""
    offset = owner._uncommitted.get(tp)
    if offset is None:
        committed = await consumer.committed(tp)
        offset = committed if committed is not None else 0
    consumer.seek(tp, offset)


async def _dead_letter_unreadable(
    owner: EventConsumer,
    consumer: Any,
    tp: Any,
    error: Exception,
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> bool:
    """Dead-letter the record at the position where reading raised and seek past it;
    False if `stop` came first."""
    position = await consumer.position(tp)
    reason = EnvelopeError(
        "the Kafka client cannot read this record (or the record batch it is "
        f"in): {type(error).__name__}: {error}"
    )
    placeholder = _Unreadable(tp.topic, tp.partition, position)
    outcome = await dead_letter(owner, placeholder, reason, 0, None, "unknown", stop, dead_letters)
    if outcome is None:
        return False
    consumer.seek(tp, position + 1)
    owner._uncommitted[tp] = position + 1
    await commit_pending(owner, consumer, tp, stop)
    return True
