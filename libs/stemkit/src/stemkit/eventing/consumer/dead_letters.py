"""Dead-lettering a record: sent whole, else reduced, else logged and counted (ADR 0009)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from stemkit.eventing.consumer.faults import broker_outage
from stemkit.eventing.consumer.metrics import (
    DEAD_LETTERS,
    DEAD_LETTERS_FAILED,
    EVENTS_HANDLED,
    Outcome,
    log,
)
from stemkit.eventing.envelope import Headers
from stemkit.eventing.kafka import KafkaRecord, dead_letter_message
from stemkit.eventing.runner import Backoff, Stopped, cancel_on_stop, sleep_or_stop

if TYPE_CHECKING:
    from stemkit.eventing.consumer.loop import EventConsumer

DeadLetterSink = Callable[[bytes | None, bytes, Headers], Awaitable[None]]
"""Sends one dead letter (key, value, headers); returns once the broker acknowledged it."""

REDUCED_VALUE_BYTES = 4096  # of the original value, in a dead letter too large to send whole


async def dead_letter(
    consumer: EventConsumer,
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
            consumer=consumer.name,
            reason=reason,
            attempts=attempts,
            event_id=event_id,
            value_limit=limit,
        )
        for limit in (None, REDUCED_VALUE_BYTES)
    ]
    sent = await _send_first_accepted(consumer, record, letters, stop, dead_letters)
    if sent is None:
        return None
    where = f"{record.topic}/{record.partition}@{record.offset}"
    if not sent:
        log.error(
            "consumer %s: message %s could not be dead-lettered and is skipped; "
            "it failed with %s: %s",
            consumer.name,
            where,
            type(reason).__name__,
            reason,
        )
        DEAD_LETTERS_FAILED.labels(consumer.name).inc()
        EVENTS_HANDLED.labels(consumer.name, type_name, Outcome.DEAD_LETTER_FAILED).inc()
        return Outcome.DEAD_LETTER_FAILED
    log.error(
        "consumer %s: message %s dead-lettered to %s after %d attempts: %s: %s",
        consumer.name,
        where,
        consumer.dead_letter_topic,
        attempts,
        type(reason).__name__,
        reason,
    )
    DEAD_LETTERS.labels(consumer.name).inc()
    EVENTS_HANDLED.labels(consumer.name, type_name, Outcome.DEAD_LETTERED).inc()
    return Outcome.DEAD_LETTERED


async def _send_first_accepted(
    consumer: EventConsumer,
    record: KafkaRecord,
    letters: list[tuple[bytes | None, bytes, Headers]],
    stop: asyncio.Event,
    dead_letters: DeadLetterSink,
) -> bool | None:
    """Send the first of `letters` the broker accepts: True if one was, False if all were
    refused, None if `stop` came first. A broker outage is waited out, not a refusal."""
    backoff = Backoff(consumer.retry_backoff, consumer.max_retry_backoff)
    while letters:
        try:
            await cancel_on_stop(dead_letters(*letters[0]), stop)
            return True
        except Stopped:
            return None
        except Exception as exc:
            if not broker_outage(exc):
                letters.pop(0)
                log.warning(
                    "consumer %s: the dead letter for %s/%d@%d was refused (%s: %s); %s",
                    consumer.name,
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
                consumer.name,
                delay,
                type(exc).__name__,
                exc,
            )
            if await sleep_or_stop(stop, delay):
                return None
    return False
