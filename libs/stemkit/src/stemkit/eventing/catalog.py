"""The explicit catalogue: event type name -> topic and typed payload model.

No discovery and no magic: each producer's contract module lists its event types, and
`stemkit.contracts.CATALOG` gathers them. The contract tests generate
`contracts/events/<type>.schema.json` from exactly this catalogue.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from stemkit.eventing.envelope import TYPE_PATTERN, CloudEvent

SCHEMA_URI = "urn:stem-platform:contracts:events:{type}"


class UnknownEventType(LookupError):
    """An event whose `type` is not in the catalogue."""


class ContractViolation(ValueError):
    """An event of a catalogued type whose data does not validate against its payload model."""


@dataclass(frozen=True)
class EventType:
    """One versioned event type: its name, the topic it goes to, and its payload model."""

    name: str
    topic: str
    payload: type[BaseModel]
    subject_field: str
    description: str

    def __post_init__(self) -> None:
        if not TYPE_PATTERN.match(self.name):
            raise ValueError(f"event type {self.name!r} must be dotted and end in .v<major>")
        major = self.name.rsplit(".", 1)[1]
        if not self.topic.endswith("." + major):
            raise ValueError(f"topic {self.topic!r} must carry the major version {major}")
        if self.subject_field not in self.payload.model_fields:
            raise ValueError(f"{self.payload.__name__} has no field {self.subject_field!r}")

    @property
    def dataschema(self) -> str:
        return SCHEMA_URI.format(type=self.name)


class EventCatalog:
    """Lookup of event types by name and by payload class."""

    def __init__(self, types: Iterable[EventType]) -> None:
        self._by_name: dict[str, EventType] = {}
        self._by_payload: dict[type[BaseModel], EventType] = {}
        for event_type in types:
            if event_type.name in self._by_name:
                raise ValueError(f"event type {event_type.name} declared twice")
            self._by_name[event_type.name] = event_type
            self._by_payload[event_type.payload] = event_type

    def all(self) -> list[EventType]:
        return sorted(self._by_name.values(), key=lambda t: t.name)

    def get(self, type_name: str) -> EventType:
        try:
            return self._by_name[type_name]
        except KeyError:
            raise UnknownEventType(f"unknown event type {type_name!r}") from None

    def for_payload(self, payload: BaseModel) -> EventType:
        try:
            return self._by_payload[type(payload)]
        except KeyError:
            raise UnknownEventType(
                f"{type(payload).__name__} is not a catalogued payload"
            ) from None

    def topics(self) -> set[str]:
        return {t.topic for t in self._by_name.values()}

    def new_event(
        self,
        payload: BaseModel,
        *,
        source: str,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent:
        """Wrap a payload in its envelope; the subject is the aggregate id from the payload."""
        event_type = self.for_payload(payload)
        return CloudEvent(
            id=event_id or str(uuid.uuid4()),
            source=source,
            type=event_type.name,
            subject=str(getattr(payload, event_type.subject_field)),
            time=time or datetime.now(UTC),
            dataschema=event_type.dataschema,
            data=payload.model_dump(mode="json"),
        )

    def parse(self, event: CloudEvent) -> BaseModel:
        """The typed payload of an event; raises on an unknown type or invalid data."""
        return self.get(event.type).payload.model_validate(event.data)
