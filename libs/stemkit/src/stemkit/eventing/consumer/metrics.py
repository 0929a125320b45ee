"""What the consumer counts and logs: outcomes, dead letters, lag, handler time."""

from __future__ import annotations

import logging
from enum import StrEnum

from prometheus_client import Counter, Gauge, Histogram

from stemkit.eventing.envelope import TYPE_PATTERN, CloudEvent
from stemkit.eventing.kafka import KafkaRecord

log = logging.getLogger(__package__)  # one logger for the whole consumer

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


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"
    SKIPPED = "skipped"  # a catalogued type of the topic that this consumer does not handle
    DEAD_LETTER_FAILED = "dead_letter_failed"  # not even a reduced dead letter could be sent


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


def header_type(record: KafkaRecord) -> str:
    """The metric label of the `ce_type` header of a record that could not be read."""
    for name, raw in record.headers:
        if name == "ce_type":
            try:
                return type_label(raw.decode("utf-8"))
            except (AttributeError, UnicodeDecodeError):  # no value, or not UTF-8
                return "invalid"
    return "unknown"


def count_handled(consumer: str, event: CloudEvent, outcome: Outcome) -> None:
    """Count an event settled by the handler or the inbox (not a dead letter)."""
    EVENTS_HANDLED.labels(consumer, event.type, outcome).inc()
    if outcome is Outcome.DUPLICATE:
        log.info("consumer %s: duplicate event %s skipped", consumer, event.id)


def log_outcome(record: KafkaRecord, event: CloudEvent, outcome: Outcome) -> None:
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
