"""A chunk's ONE transaction: one inbox read, a handler per new event, one inbox insert.

On PostgreSQL each handler runs in a savepoint (ADR 0018): one that raises rolls back its
own effects only, and the events before it are committed. Elsewhere (SQLite's driver has
no dependable savepoints) the exception is raised and the whole chunk is rolled back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.eventing.consumer import inbox
from stemkit.eventing.consumer.faults import is_transient
from stemkit.eventing.consumer.metrics import HANDLER_DURATION, Outcome, log
from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.kafka import KafkaRecord
from stemkit.logging import event_id_var
from stemkit.storage.transaction_memo import forget_all

if TYPE_CHECKING:
    from stemkit.eventing.consumer.loop import EventConsumer

Chunk = Sequence[tuple[KafkaRecord, CloudEvent]]


async def handle_chunk(
    consumer: EventConsumer, chunk: Chunk, stop: asyncio.Event
) -> tuple[list[Outcome], bool]:
    """The chunk in one transaction: one inbox read, the handlers, one inbox insert.

    After `chunk_seconds`, or when `stop` is set or a rebalance begins, the events
    handled so far are committed and the rest is left for the next chunk: a rebalance
    waits for one handler, not for a whole chunk. True with the outcomes: the event
    after them failed in its savepoint, and the events before it are committed.
    """
    outcomes: list[Outcome] = []
    failed = False
    began = time.perf_counter()
    async with consumer.session_factory() as session, session.begin():
        seen = await inbox.seen_ids(session, consumer.name, (event.id for _, event in chunk))
        rows: list[dict[str, Any]] = []
        for _, event in chunk:
            if outcomes and _chunk_over(consumer, began, stop):
                break
            if not consumer.wants(event):
                outcomes.append(Outcome.SKIPPED)
                continue
            if event.id in seen:
                outcomes.append(Outcome.DUPLICATE)
                continue
            if not await _handle_in_chunk(consumer, session, event):
                failed = True
                break
            seen.add(event.id)  # a second copy inside the chunk is a duplicate
            rows.append(inbox.row(consumer.name, event))
            outcomes.append(Outcome.HANDLED)
        await inbox.remember(session, rows)
    return outcomes, failed


def _chunk_over(consumer: EventConsumer, began: float, stop: asyncio.Event) -> bool:
    """Whether the chunk takes no further message: `stop`, a rebalance, or time is up."""
    return (
        stop.is_set() or consumer._revoking or time.perf_counter() - began >= consumer.chunk_seconds
    )


async def _handle_in_chunk(
    consumer: EventConsumer, session: AsyncSession, event: CloudEvent
) -> bool:
    """Run the handler on `event` inside the chunk's transaction; False if it raised in
    its savepoint (PostgreSQL), so only its own effects were rolled back. Elsewhere (SQLite's
    driver has no dependable savepoints) or in a database outage, it raises."""
    savepoints = session.get_bind().dialect.name == "postgresql"
    token = event_id_var.set(event.id)
    started = time.perf_counter()
    try:
        if savepoints:
            async with session.begin_nested():
                await consumer.handler(session, event)
        else:
            await consumer.handler(session, event)
    except Exception as exc:
        if not savepoints or (is_transient(exc) and not await consumer.database_answers()):
            raise
        forget_all(session)  # the rolled-back writes may be in the memos
        log.info(
            "consumer %s: handler failed in a chunk: %s: %s",
            consumer.name,
            type(exc).__name__,
            exc,
        )
        return False
    finally:
        HANDLER_DURATION.labels(consumer.name).observe(time.perf_counter() - started)
        event_id_var.reset(token)
    return True
