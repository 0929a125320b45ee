"""A partition's fetched batch settled in order, its offset committed, and rebalances.

The offset is committed only after the messages' database transaction committed, once
per fetched batch (and every `COMMIT_EVERY` seconds of a long one), not per message: a
round trip to the group coordinator per message was most of the loop's cost. A crash in
between re-delivers the messages, and the inbox turns them into no-ops.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from stemkit.eventing.consumer.dead_letters import DeadLetterSink
from stemkit.eventing.consumer.metrics import CONSUMER_LAG, log
from stemkit.eventing.kafka import KafkaRecord
from stemkit.eventing.runner import Stopped, cancel_on_stop

if TYPE_CHECKING:
    from stemkit.eventing.consumer.loop import EventConsumer

COMMIT_EVERY = 1.0  # seconds: the longest a settled message waits for its offset commit


async def consume_partition(
    owner: EventConsumer,
    consumer: Any,
    tp: Any,
    records: Sequence[KafkaRecord],
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> bool:
    """Settle `records` of one partition in order, chunk by chunk, and commit how far it
    got; False: stop this batch. Records left unprocessed are fetched again from the
    committed offset (after a rebalance, or a restart), so leaving early skips nothing."""
    last_commit = time.monotonic()
    done = 0
    try:
        while done < len(records):
            if stop.is_set() or owner._revoking:
                await commit_pending(owner, consumer, tp, stop)
                return False
            settled = await _settle_chunk(owner, tp, records[done:], stop, dead_letters)
            if not settled:  # `stop` or a rebalance came first
                await commit_pending(owner, consumer, tp, stop)
                return False
            done += settled
            _measure_lag(owner, consumer, tp, records[done - 1].offset)
            if time.monotonic() - last_commit >= COMMIT_EVERY:
                await commit_pending(owner, consumer, tp, stop)
                last_commit = time.monotonic()
        await commit_pending(owner, consumer, tp, stop)
    except (CommitFailedError, IllegalStateError) as exc:
        log.warning("consumer %s: offset commit failed (rebalance): %s", owner.name, exc)
        return False
    return True


async def _settle_chunk(
    owner: EventConsumer,
    tp: Any,
    records: Sequence[KafkaRecord],
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> int:
    """Settle the next chunk of `records`; how many were settled (offset now pending)."""
    owner._idle.clear()  # a rebalance waits for the chunk in hand
    try:
        outcomes = await owner.process_chunk(records[: owner.batch_size], stop, dead_letters)
        if outcomes:
            owner._uncommitted[tp] = records[len(outcomes) - 1].offset + 1
    finally:
        owner._idle.set()
    return len(outcomes)


def _measure_lag(owner: EventConsumer, consumer: Any, tp: Any, offset: int) -> None:
    highwater = consumer.highwater(tp)
    if highwater is not None:
        lag = max(0, highwater - offset - 1)
        CONSUMER_LAG.labels(owner.name, tp.topic, str(tp.partition)).set(lag)


async def commit_pending(owner: EventConsumer, consumer: Any, tp: Any, stop: asyncio.Event) -> None:
    """Commit the offset after the last settled message of `tp`, if not done yet (the
    revoke listener may have done it, and then the partition is no longer ours)."""
    offset = owner._uncommitted.get(tp)
    if offset is None:
        return
    owner._idle.clear()  # a rebalance waits for this commit, as for a message in hand
    try:
        await _commit(owner, consumer, tp, offset, stop)
    finally:
        owner._idle.set()
    if owner._uncommitted.get(tp) == offset:
        del owner._uncommitted[tp]


async def _commit(
    owner: EventConsumer, consumer: Any, tp: Any, offset: int, stop: asyncio.Event
) -> None:
    """Commit `offset` for `tp`; when stopping, give it one bounded last try."""
    with contextlib.suppress(Stopped):
        await cancel_on_stop(consumer.commit({tp: offset}), stop)
        return
    try:
        await asyncio.wait_for(consumer.commit({tp: offset}), 5.0)
    except (TimeoutError, KafkaError) as exc:
        # harmless: the message comes again after a restart and the inbox skips it
        log.warning("consumer %s: offset not committed while stopping: %r", owner.name, exc)


class CommitOnRevoke:
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


ConsumerRebalanceListener.register(CommitOnRevoke)  # aiokafka checks isinstance
