"""Read a dead-letter topic for ops: every partition from its first offset to its end offset
at the start of the read, without a consumer group (nothing is committed, nothing is moved),
the documents newest first.

A dead letter is the JSON document `stemkit.eventing.kafka.dead_letter_message` writes (the
consumer, the time, the attempts, the reason and the original record). A value that is not a
JSON object is returned as `{"unparseable": <its text>}`, so one odd record hides no others.
"""

from __future__ import annotations

import heapq
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import APIRouter, HTTPException, Query, params, status
from pydantic import BaseModel

from stemkit.eventing.kafka import load_topic_metadata
from stemkit.eventing.kafka_security import connection_options

MAX_LIMIT = 500
READ_TIMEOUT_SECONDS = 10.0


class DeadLetter(BaseModel):
    """One record of a dead-letter topic: where it is, when it was written, its document."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime | None  # when the dead letter was produced
    document: dict[str, Any]


def _document(value: bytes | None) -> dict[str, Any]:
    text = (value or b"").decode("utf-8", errors="replace")
    try:
        found = json.loads(text)
    except ValueError:
        return {"unparseable": text}
    return found if isinstance(found, dict) else {"unparseable": text}


def _of(record: Any) -> DeadLetter:
    stamp = record.timestamp
    return DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp=None if stamp is None or stamp < 0 else datetime.fromtimestamp(stamp / 1000, UTC),
        document=_document(record.value),
    )


async def read_dead_letters(
    bootstrap_servers: str,
    topic: str,
    limit: int = 100,
    timeout_seconds: float = READ_TIMEOUT_SECONDS,
) -> list[DeadLetter]:
    """The newest `limit` dead letters of `topic` (by the time they were written, then
    partition and offset), newest first; an unknown or empty topic gives []."""
    if limit < 1:
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset="earliest",  # no committed offsets without a group: from the start
        request_timeout_ms=int(timeout_seconds * 1000),
        **connection_options(),
    )
    await consumer.start()
    newest: list[tuple[int, int, int, Any]] = []  # a min-heap of the `limit` newest records
    try:
        await load_topic_metadata(consumer, topic)
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > starts[tp]}
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000)
            for tp, records in batches.items():
                for r in records:
                    if r.offset < ends[tp]:
                        item = (r.timestamp or 0, r.partition, r.offset, r)
                        if len(newest) < limit:
                            heapq.heappush(newest, item)
                        elif item[:3] > newest[0][:3]:
                            heapq.heapreplace(newest, item)
            for tp in list(pending):  # by position: control records are never returned
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return [_of(r) for *_, r in sorted(newest, key=lambda i: i[:3], reverse=True)]


def dead_letter_router(bootstrap_servers: str, topic: str, guard: params.Depends) -> APIRouter:
    """`GET /dead-letters?limit=`: the service's dead letters, newest first, behind `guard`
    (the service's credential check, `stemkit.access.auth`)."""
    router = APIRouter(tags=["ops"], dependencies=[guard])

    @router.get("/dead-letters")
    async def dead_letters(
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    ) -> list[DeadLetter]:
        """The newest dead letters of this service's consumer (messages that kept failing),
        each with the original record and the reason; read from the start, no group."""
        try:
            return await read_dead_letters(bootstrap_servers, topic, limit)
        except Exception as exc:  # the broker is down or refuses us: say so, do not mask
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"cannot read {topic}: {type(exc).__name__}",
            ) from exc

    return router
