"""Poison records on the REAL broker (issue 14, case 3): no record may stop the consumer.

Whatever a record on a consumed topic holds (JSON nested 100,000 deep, invalid UTF-8,
attributes of the wrong type, a header without a value), the consumer dead-letters it with
its reason, commits past it, and handles the next event of the same partition.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    effect_rows,
    eventually,
    produce,
    read_topic,
    record_effect,
    thing_catalog,
    thing_event,
)
from stemkit.consumer import EventConsumer
from stemkit.events.envelope import Headers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
MakeTopics = Callable[..., Awaitable[list[str]]]
Message = tuple[bytes | None, bytes, Headers]


def ce_headers(event_type: str = "be.vlaio.stem.test.thing.happened.v1") -> Headers:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", uuid.uuid4().hex.encode()),
        ("ce_source", b"urn:poison"),
        ("ce_type", event_type.encode()),
        ("ce_subject", b"k"),
        ("ce_time", b"2026-12-01T10:00:00Z"),
        ("ce_dataschema", b"urn:x"),
        ("content-type", b"application/json"),
    ]


def with_header(headers: Headers, name: str, value: bytes | None) -> Headers:
    return [(n, v) for n, v in headers if n != name] + [(name, value)]  # type: ignore[list-item]


POISON: dict[str, Message] = {
    # json.loads raises RecursionError (not a ValueError) on this
    "deep nesting": (b"k", b"[" * 100_000, ce_headers()),
    "invalid UTF-8 value": (b"k", b'{"thing_id": "\xff\xfe", "n": 1}', ce_headers()),
    "invalid UTF-8 header": (
        b"k",
        b'{"thing_id": "k", "n": 1}',
        with_header(ce_headers(), "ce_type", b"\xff\xfe"),
    ),
    "time of the wrong type": (
        b"k",
        b'{"thing_id": "k", "n": 1}',
        with_header(ce_headers(), "ce_time", b"yesterday"),
    ),
    "data not an object": (b"k", b"[1, 2, 3]", ce_headers()),
    "header without a value": (
        b"k",
        b'{"thing_id": "k", "n": 1}',
        with_header(ce_headers(), "ce_id", None),
    ),
    "structured mode, deep nesting": (
        b"k",
        b'{"specversion": "1.0", "data": ' + b"[" * 100_000,
        [("content-type", b"application/cloudevents+json")],
    ),
}


async def test_poison_records_are_dead_lettered_and_the_next_event_is_handled(
    pg_sessions: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    topic, dead_letters = await make_topics(2, partitions=1)
    good = thing_event(thing_catalog(topic), "k", 7)
    await produce(kafka_bootstrap_servers, topic, [*POISON.values(), good.to_kafka()])
    consumer = EventConsumer(
        name=f"poison-{uuid.uuid4().hex[:10]}",
        topics=[topic],
        bootstrap_servers=kafka_bootstrap_servers,
        session_factory=pg_sessions,
        handler=record_effect,
        dead_letter_topic=dead_letters,
        max_attempts=2,
        retry_backoff=0.05,
        max_retry_backoff=0.2,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:

        async def good_one_handled() -> bool:
            if task.done():  # crashed: fail now with its error
                task.result()
                raise AssertionError("the consumer task ended")
            return len(await effect_rows(pg_sessions)) == 1

        await eventually(good_one_handled, 60)
        assert not task.done()  # still consuming after every poison record
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)

    assert [(event_id, n) for event_id, _, n in await effect_rows(pg_sessions)] == [(good.id, 7)]
    letters = await read_topic(kafka_bootstrap_servers, dead_letters)
    assert sorted(int(dict(r.headers)["dlq_original_offset"]) for r in letters) == list(
        range(len(POISON))
    )
    for record in letters:
        headers = dict(record.headers)
        kind = list(POISON)[int(headers["dlq_original_offset"])]
        assert headers["dlq_reason"].startswith(b"EnvelopeError: "), kind
        assert headers["dlq_category"] == b"undecodable", kind
        document = json.loads(record.value)
        assert document["reason"]["type"] == "EnvelopeError", kind
        assert document["category"] == "undecodable", kind
    deep = next(r for r in letters if dict(r.headers)["dlq_original_offset"] == b"0")
    assert b"recursion" in dict(deep.headers)["dlq_reason"]
