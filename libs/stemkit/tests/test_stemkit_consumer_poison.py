"""Poison records on the REAL broker (issue 14, case 3): no record may stop the consumer.

Whatever a record on a consumed topic holds (JSON nested 100,000 deep, invalid UTF-8,
attributes of the wrong type, a header without a value), the consumer dead-letters it with
its reason, commits past it, and handles the next event of the same partition. And the
dead-letter send itself is bounded: a dead letter the broker refuses is sent reduced, and
one refused even so is logged and counted, never retried for ever (ADR 0009).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    THING_TYPE,
    effect_rows,
    eventually,
    produce,
    read_topic,
    record_effect,
    running,
    thing_catalog,
    thing_event,
    unique_topic,
)
from stemkit.eventing.consumer import REDUCED_VALUE_BYTES, EventConsumer
from stemkit.eventing.envelope import Headers

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


@pytest.fixture
async def small_topic(
    kafka_bootstrap_servers: str,
) -> AsyncIterator[Callable[[int], Awaitable[str]]]:
    """`await small_topic(max_message_bytes)`: a new one-partition topic whose records may
    be at most that large (as a dead-letter topic that refuses what it is sent)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    created: list[str] = []

    async def make(max_message_bytes: int) -> str:
        name = unique_topic("stemtest-small")
        config = {"max.message.bytes": str(max_message_bytes)}
        await admin.create_topics([NewTopic(name, 1, 1, topic_configs=config)])
        created.append(name)
        return name

    try:
        yield make
    finally:
        try:
            if created:
                await admin.delete_topics(created)
        finally:
            await admin.close()


# Not JSON: an undecodable record of 15,000 bytes whose dead letter (every `"` escaped as
# `\"` in the document) is over 30,000 bytes.
LARGE_POISON: Message = (b"k", b'"' * 15_000, ce_headers())


def dead_letter_consumer(
    bootstrap: str, sessions: Sessions, topic: str, dead_letters: str
) -> EventConsumer:
    return EventConsumer(
        name=f"dlq-{uuid.uuid4().hex[:10]}",
        topics=[topic],
        bootstrap_servers=bootstrap,
        session_factory=sessions,
        handler=record_effect,
        dead_letter_topic=dead_letters,
        retry_backoff=0.05,
        max_retry_backoff=0.2,
    )


async def test_a_dead_letter_the_broker_refuses_as_too_large_is_sent_reduced(
    pg_sessions: Sessions,
    kafka_bootstrap_servers: str,
    make_topics: MakeTopics,
    small_topic: Callable[[int], Awaitable[str]],
) -> None:
    """The dead-letter topic takes records up to 20,000 bytes, the whole dead letter is
    over 30,000: it is refused (MessageSizeTooLargeError, not retriable), and the consumer
    sends the reduced one instead (retried for ever before: the partition stopped)."""
    [topic] = await make_topics(1, partitions=1)
    dead_letters = await small_topic(20_000)
    good = thing_event(thing_catalog(topic), "k", 7)
    await produce(kafka_bootstrap_servers, topic, [LARGE_POISON, good.to_kafka()])
    consumer = dead_letter_consumer(kafka_bootstrap_servers, pg_sessions, topic, dead_letters)

    async with running(consumer.run):
        await eventually(lambda: _effects(pg_sessions, 1), 30)

    [letter] = await read_topic(kafka_bootstrap_servers, dead_letters)
    headers = dict(letter.headers)
    assert headers["dlq_reduced"] == b"true"
    assert headers["dlq_category"] == b"undecodable"
    assert headers["dlq_reason"].startswith(b"EnvelopeError: ")
    assert (headers["dlq_original_topic"], headers["dlq_original_offset"]) == (topic.encode(), b"0")
    value = json.loads(letter.value)["original"]["value"]
    assert value["truncated"] is True
    assert value["size"] == 15_000
    assert value["sha256"] == hashlib.sha256(LARGE_POISON[1]).hexdigest()
    assert value["data"] == '"' * REDUCED_VALUE_BYTES
    assert REGISTRY.get_sample_value("stem_dead_letters_total", {"consumer": consumer.name}) == 1


async def test_a_dead_letter_refused_even_reduced_is_logged_counted_and_skipped(
    pg_sessions: Sessions,
    kafka_bootstrap_servers: str,
    make_topics: MakeTopics,
    small_topic: Callable[[int], Awaitable[str]],
) -> None:
    """A dead-letter topic that refuses even the reduced letter (here: records over 200
    bytes) costs the poison record its dead letter, not the partition its progress."""
    [topic] = await make_topics(1, partitions=1)
    dead_letters = await small_topic(200)
    good = thing_event(thing_catalog(topic), "k", 7)
    await produce(kafka_bootstrap_servers, topic, [LARGE_POISON, good.to_kafka()])
    consumer = dead_letter_consumer(kafka_bootstrap_servers, pg_sessions, topic, dead_letters)

    async with running(consumer.run):
        await eventually(lambda: _effects(pg_sessions, 1), 30)

    assert await read_topic(kafka_bootstrap_servers, dead_letters) == []
    failed = {"consumer": consumer.name}
    assert REGISTRY.get_sample_value("stem_dead_letters_failed_total", failed) == 1
    assert REGISTRY.get_sample_value("stem_dead_letters_total", failed) == 0
    outcome = {"consumer": consumer.name, "type": THING_TYPE, "outcome": "dead_letter_failed"}
    assert REGISTRY.get_sample_value("stem_events_handled_total", outcome) == 1


async def _effects(sessions: Sessions, expected: int) -> bool:
    return len(await effect_rows(sessions)) == expected


# aiokafka's C parser (what runs) raises UnicodeDecodeError for the whole `getmany` on a
# header NAME that is not UTF-8; any other client (librdkafka, kcat) can write one. aiokafka
# itself encodes header names, so its pure-Python builder writes this one, through a str
# whose UTF-8 is not UTF-8.
_WRITE_BAD_HEADER_NAME = """
import asyncio, json, os, sys
os.environ["AIOKAFKA_NO_EXTENSIONS"] = "1"
from aiokafka import AIOKafkaProducer

class NotUtf8(str):
    def encode(self, *args, **kwargs):
        return b"\\xff\\xfe"

async def main():
    one_batch = sys.argv[4] == "one batch"
    producer = AIOKafkaProducer(bootstrap_servers=sys.argv[1], linger_ms=1000 if one_batch else 0)
    await producer.start()
    sent = []
    for key, value, headers in json.loads(sys.argv[3]):
        headers = [(NotUtf8(n[1:]) if n.startswith("!") else n, v.encode()) for n, v in headers]
        sent.append(await producer.send(sys.argv[2], value.encode(), key.encode(), headers=headers))
        if not one_batch:
            await sent[-1]
    await asyncio.gather(*sent)
    await producer.stop()

asyncio.run(main())
"""


def as_text(message: Message, bad_header: bool = False) -> list[object]:
    """A record as the writer script takes it; `bad_header` adds a header whose name is
    not UTF-8."""
    key, value, headers = message
    names = [(n, v.decode()) for n, v in headers] + ([("!x", "y")] if bad_header else [])
    return [(key or b"").decode(), value.decode(), names]


async def _write_with_bad_header_name(
    bootstrap: str, topic: str, records: list[list[object]], batches: str
) -> None:
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _WRITE_BAD_HEADER_NAME, bootstrap, topic, json.dumps(records), batches
    )
    assert await writer.wait() == 0


async def test_a_record_the_kafka_client_cannot_parse_is_dead_lettered_and_skipped(
    pg_sessions: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    """Before: the consumer task ended with UnicodeDecodeError out of getmany (a crash
    loop, as for case 3). Each record is sent in its own batch; the good ones before and
    after the unreadable one are each handled once, in order."""
    topic, dead_letters = await make_topics(2, partitions=1)
    catalog = thing_catalog(topic)

    records = [
        *(as_text(thing_event(catalog, "k", n).to_kafka()) for n in range(30)),
        as_text(thing_event(catalog, "k", 13_000).to_kafka(), bad_header=True),
        *(as_text(thing_event(catalog, "k", n).to_kafka()) for n in range(30, 60)),
    ]
    await _write_with_bad_header_name(kafka_bootstrap_servers, topic, records, "own batches")
    consumer = dead_letter_consumer(kafka_bootstrap_servers, pg_sessions, topic, dead_letters)

    async with running(consumer.run):
        await eventually(lambda: _effects(pg_sessions, 60), 30)

    assert [n for _, _, n in await effect_rows(pg_sessions)] == list(range(60))  # in order
    [letter] = await read_topic(kafka_bootstrap_servers, dead_letters)
    headers = dict(letter.headers)
    assert headers["dlq_original_offset"] == b"30"
    assert headers["dlq_category"] == b"undecodable"
    assert b"UnicodeDecodeError" in headers["dlq_reason"]


async def test_the_records_after_an_unreadable_one_in_its_batch_are_dead_lettered_by_offset(
    pg_sessions: Sessions, kafka_bootstrap_servers: str, make_topics: MakeTopics
) -> None:
    """aiokafka parses a record batch from its start, so it cannot read the records after
    an unreadable one in the same batch: they are dead-lettered with their offsets (to be
    read with another client), and the consumer goes on with the next batch."""
    topic, dead_letters = await make_topics(2, partitions=1)
    catalog = thing_catalog(topic)
    before, after, later = (thing_event(catalog, "k", n) for n in (1, 2, 3))
    records = [
        as_text(before.to_kafka()),
        as_text(thing_event(catalog, "k", 13_000).to_kafka(), bad_header=True),
        as_text(after.to_kafka()),
    ]
    await _write_with_bad_header_name(kafka_bootstrap_servers, topic, records, "one batch")
    await produce(kafka_bootstrap_servers, topic, [later.to_kafka()])  # the next batch
    consumer = dead_letter_consumer(kafka_bootstrap_servers, pg_sessions, topic, dead_letters)

    async with running(consumer.run):
        await eventually(lambda: _effects(pg_sessions, 2), 30)

    assert [n for _, _, n in await effect_rows(pg_sessions)] == [1, 3]
    letters = await read_topic(kafka_bootstrap_servers, dead_letters)
    assert [dict(r.headers)["dlq_original_offset"] for r in letters] == [b"1", b"2"]
    assert {dict(r.headers)["dlq_category"] for r in letters} == {b"undecodable"}
