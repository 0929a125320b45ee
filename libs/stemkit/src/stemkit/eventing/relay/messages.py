"""What the relay hands a `Publisher`, and how a publisher says what went wrong."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from stemkit.eventing.envelope import CloudEvent


@dataclass(frozen=True)
class OutboxMessage:
    """One outbox row on its way to Kafka."""

    seq: int
    event_id: str
    topic: str
    key: str
    event_type: str
    envelope: str  # the CloudEvent as structured JSON
    created_at: datetime
    attempts: int

    def event(self) -> CloudEvent:
        return CloudEvent.model_validate_json(self.envelope)


class Publisher(Protocol):
    """Where the relay sends events. Must raise unless every message was acknowledged."""

    async def publish(self, messages: Sequence[OutboxMessage]) -> None: ...


class PublishError(Exception):
    """Not every message was acknowledged; the first `acknowledged` ones were.

    `unsendable`: the message right after them can never be sent as it is (its own fault,
    not the broker's): the relay parks it and goes on.
    """

    def __init__(
        self,
        message: str,
        *,
        acknowledged: int = 0,
        error_type: str | None = None,
        unsendable: bool = False,
    ):
        super().__init__(message)
        self.acknowledged = acknowledged
        self.error_type = error_type or type(self).__name__
        self.unsendable = unsendable
