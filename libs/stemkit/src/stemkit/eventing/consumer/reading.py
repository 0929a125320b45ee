"""Reading a record: which events get to the handler (ADR 0009)."""

from __future__ import annotations

from collections.abc import Collection

from stemkit.eventing.catalog import ContractViolation, EventCatalog, UnknownEventType
from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.kafka import KafkaRecord


def read(
    record: KafkaRecord, catalog: EventCatalog | None, handles: Collection[str] | None
) -> CloudEvent:
    """The event in `record`, admitted by the rules of ADR 0009; else it raises, and the
    record is dead-lettered at once, without retries.

    Not a CloudEvent (whatever went wrong reading it) -> EnvelopeError; with a catalogue,
    a type not catalogued for the record's topic -> UnknownEventType, and data of a type
    this consumer handles that fails its payload model -> ContractViolation.
    """
    event = CloudEvent.from_kafka(record.key, record.value, list(record.headers))
    if catalog is None:
        return event
    event_type = catalog.get(event.type)
    if event_type.topic != record.topic:
        raise UnknownEventType(
            f"event type {event.type!r} is catalogued on {event_type.topic}, not on {record.topic}"
        )
    if wanted(event, handles):
        try:
            event_type.payload.model_validate(event.data)
        except Exception as exc:
            raise ContractViolation(
                f"data of {event.type} does not match its contract: {exc}"
            ) from exc
    return event


def wanted(event: CloudEvent, handles: Collection[str] | None) -> bool:
    """Whether the handler handles this event's type (the others are skipped)."""
    return handles is None or event.type in handles
