"""Ops: the dead letters of the activities and subsidy consumers (scope quarantine)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from gateway.adapters import dead_letters as dead_letters_api
from gateway.adapters.dead_letters import DeadLetterRead
from gateway.schema.context import Resolve
from gateway.schema.scopes import QUARANTINE, needs_scope

MAX_LIMIT = 100


@strawberry.enum(description="A service whose consumer writes dead letters")
class DeadLetterService(Enum):
    ACTIVITIES = "activities"
    SUBSIDY = "subsidy"


@strawberry.type(description="A message a consumer gave up on, with why and the original")
class DeadLetter:
    topic: str = strawberry.field(description="The dead-letter topic")
    partition: int
    offset: str = strawberry.field(description="Offset in the dead-letter topic (64-bit, text)")
    written_at: datetime | None = strawberry.field(description="When it was dead-lettered")
    consumer: str | None = strawberry.field(description="The consumer (group) that gave up")
    attempts: int | None
    reason_type: str | None = strawberry.field(description="The exception's type")
    reason: str | None = strawberry.field(description="The exception's message")
    event_id: str | None = strawberry.field(description="The CloudEvent id, when it had one")
    original_topic: str | None
    original_partition: int | None
    original_offset: str | None = strawberry.field(description="64-bit, as text")
    document: JSON = strawberry.field(
        description="The whole dead-letter document (the original's key, value and headers)"
    )

    @classmethod
    def of(cls, read: DeadLetterRead) -> DeadLetter:
        doc = read.document
        given = doc.get("reason")
        why: dict[str, Any] = given if isinstance(given, dict) else {}
        original: dict[str, Any] = doc.get("original") or {}
        if not isinstance(original, dict):
            original = {}
        at = _when(doc.get("dead_lettered_at")) or read.timestamp
        return cls(
            topic=read.topic,
            partition=read.partition,
            offset=str(read.offset),
            written_at=at,
            consumer=_text(doc.get("consumer")),
            attempts=doc["attempts"] if isinstance(doc.get("attempts"), int) else None,
            reason_type=_text(why.get("type")),
            reason=_text(why.get("message")),
            event_id=_text(doc.get("event_id")),
            original_topic=_text(original.get("topic")),
            original_partition=(
                original["partition"] if isinstance(original.get("partition"), int) else None
            ),
            original_offset=(
                str(original["offset"]) if isinstance(original.get("offset"), int) else None
            ),
            document=cast("JSON", doc),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


async def _dead_letters(
    info: Resolve, service: DeadLetterService, limit: int = 20
) -> list[DeadLetter] | None:
    if not 1 <= limit <= MAX_LIMIT:
        raise GraphQLError(
            f"`limit` must be between 1 and {MAX_LIMIT}", extensions={"code": "BAD_PAGE_SIZE"}
        )
    upstreams = info.context.loaders.upstreams
    client = upstreams.activities if service is DeadLetterService.ACTIVITIES else upstreams.subsidy
    token = info.context.guard.upstream_token
    found = await dead_letters_api.dead_letters(client, service.value, token, limit)
    return [DeadLetter.of(d) for d in found]


dead_letters = strawberry.field(
    resolver=_dead_letters,
    permission_classes=[needs_scope(QUARANTINE)],
    description="A service's dead letters (messages its consumer gave up on), newest first; "
    f"`limit` 1..{MAX_LIMIT}",
)
