"""One message in its own transaction, retried with backoff, then dead-lettered.

A handler that raises (anything) is retried `max_attempts` times with exponential backoff;
then the message goes to the dead-letter topic and the next one is handled, so a poison
message dead-letters only itself. Database outages are not counted as handler failures
while the database does not answer `SELECT 1`: they are waited out, so an outage never
dead-letters good events.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from stemkit.eventing.catalog import UnknownEventType
from stemkit.eventing.consumer import inbox
from stemkit.eventing.consumer.dead_letters import DeadLetterSink, dead_letter
from stemkit.eventing.consumer.faults import is_transient
from stemkit.eventing.consumer.metrics import (
    EVENTS_UNKNOWN,
    HANDLER_DURATION,
    Outcome,
    count_handled,
    header_type,
    log,
    log_outcome,
)
from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.kafka import KafkaRecord
from stemkit.eventing.runner import Backoff, sleep_or_stop
from stemkit.logging import event_id_var

if TYPE_CHECKING:
    from stemkit.eventing.consumer.loop import EventConsumer


async def process(
    consumer: EventConsumer, record: KafkaRecord, stop: asyncio.Event, dead_letters: DeadLetterSink
) -> Outcome | None:
    """Settle one record (handled, duplicate or dead-lettered); None if `stop` came first.

    Everything but the Kafka offset commit, which the caller does when this returns an
    outcome.
    """
    try:
        event = consumer.read(record)
    except Exception as exc:  # EnvelopeError, UnknownEventType, ContractViolation
        type_name = header_type(record)
        if isinstance(exc, UnknownEventType):
            EVENTS_UNKNOWN.labels(consumer.name, type_name).inc()
        return await dead_letter(consumer, record, exc, 0, None, type_name, stop, dead_letters)
    token = event_id_var.set(event.id)
    try:
        if not consumer.wants(event):
            count_handled(consumer.name, event, Outcome.SKIPPED)
            log_outcome(record, event, Outcome.SKIPPED)
            return Outcome.SKIPPED
        outcome = await _handle_with_retries(consumer, record, event, stop, dead_letters)
        if outcome is not None:
            log_outcome(record, event, outcome)
        return outcome
    finally:
        event_id_var.reset(token)


async def _handle_with_retries(
    consumer: EventConsumer,
    record: KafkaRecord,
    event: CloudEvent,
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> Outcome | None:
    failures = 0
    handler_backoff = Backoff(consumer.retry_backoff, consumer.max_retry_backoff)
    outage_backoff = Backoff(consumer.retry_backoff, consumer.max_retry_backoff)
    while True:
        try:
            outcome = await _handle_once(consumer, event)
        except Exception as exc:
            # An outage is waited out without counting; an error that only looks like
            # one (a handler's own TimeoutError, SQLite's "too many SQL variables") while
            # the database answers is charged to the message, or it would loop for ever.
            if is_transient(exc) and not await consumer.database_answers():
                delay = outage_backoff.next_delay()
                _log_retry(consumer, "database unavailable", delay, exc)
            else:
                failures += 1
                if failures >= consumer.max_attempts:
                    return await dead_letter(
                        consumer, record, exc, failures, event.id, event.type, stop, dead_letters
                    )
                delay = handler_backoff.next_delay()
                attempt = f"handler failed (attempt {failures} of {consumer.max_attempts})"
                _log_retry(consumer, attempt, delay, exc)
            if await sleep_or_stop(stop, delay):
                return None
            continue
        count_handled(consumer.name, event, outcome)
        return outcome


def _log_retry(consumer: EventConsumer, what: str, delay: float, exc: Exception) -> None:
    log.warning(
        "consumer %s: %s, retrying in %.2fs: %s: %s",
        consumer.name,
        what,
        delay,
        type(exc).__name__,
        exc,
    )


async def _handle_once(consumer: EventConsumer, event: CloudEvent) -> Outcome:
    async with consumer.session_factory() as session, session.begin():
        if await inbox.seen(session, consumer.name, event.id):
            return Outcome.DUPLICATE
        started = time.perf_counter()
        try:
            await consumer.handler(session, event)
        finally:
            HANDLER_DURATION.labels(consumer.name).observe(time.perf_counter() - started)
        await inbox.remember(session, [inbox.row(consumer.name, event)])
    return Outcome.HANDLED
