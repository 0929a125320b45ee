"""Events of an unknown type or version, and events this consumer does not handle (issue 14,
case 4; the rule is ADR 0009). SQLite, no broker.

With its catalogue, the consumer dead-letters an event whose type (or version) is not
catalogued for its topic, with reason "unknown type", and counts it in
`stem_events_unknown_total{consumer,type}`; it dead-letters an event whose data fails its
payload model as a contract violation, without running the handler; and it skips, and
counts, a catalogued type of the topic that its handler does not handle.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    SOURCE,
    THING_TYPE,
    FakeRecord,
    ThingHappened,
    effect_rows,
    record_effect,
)
from libs.stemkit.tests.test_stemkit_consumer import FakeDeadLetters
from stemkit.eventing.catalog import EventCatalog, EventType
from stemkit.eventing.consumer import EventConsumer, Outcome
from stemkit.eventing.envelope import CloudEvent

Sessions = async_sessionmaker[AsyncSession]
TOPIC, OTHER_TOPIC = "things.v1", "others.v1"
NOTED_TYPE = "be.vlaio.stem.test.thing.noted.v1"  # on the topic, not handled here
OTHER_TYPE = "be.vlaio.stem.test.other.happened.v1"  # catalogued, on another topic


class ThingNoted(BaseModel):
    thing_id: str


class OtherHappened(BaseModel):
    other_id: str


CATALOG = EventCatalog(
    [
        EventType(THING_TYPE, TOPIC, ThingHappened, "thing_id", "handled"),
        EventType(NOTED_TYPE, TOPIC, ThingNoted, "thing_id", "not handled by this consumer"),
        EventType(OTHER_TYPE, OTHER_TOPIC, OtherHappened, "other_id", "another topic's"),
    ]
)


def event(type_name: str, data: dict[str, object]) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source=SOURCE,
        type=type_name,
        subject="k",
        time="2026-12-01T10:00:00Z",
        dataschema="urn:x",
        data=data,
    )


def unknown(consumer: str, type_name: str) -> float:
    labels = {"consumer": consumer, "type": type_name}
    return REGISTRY.get_sample_value("stem_events_unknown_total", labels) or 0.0


def counted(consumer: str, type_name: str, outcome: str) -> float:
    labels = {"consumer": consumer, "type": type_name, "outcome": outcome}
    return REGISTRY.get_sample_value("stem_events_handled_total", labels) or 0.0


@pytest.mark.parametrize("batch_size", [1, 100])
async def test_unknown_types_are_dead_lettered_and_counted_unhandled_ones_skipped(
    sqlite_sessions: Sessions, batch_size: int
) -> None:
    name = f"unknown-{batch_size}-{uuid.uuid4().hex[:6]}"
    consumer = EventConsumer(
        name=name,
        topics=[TOPIC],
        bootstrap_servers="unused:9092",
        session_factory=sqlite_sessions,
        handler=record_effect,
        dead_letter_topic="things.dlq.v1",
        max_attempts=3,
        retry_backoff=0.01,
        max_retry_backoff=0.05,
        batch_size=batch_size,
        catalog=CATALOG,
        handles=[THING_TYPE],
    )
    good = event(THING_TYPE, {"thing_id": "k", "n": 1})
    stream = [
        event("be.vlaio.stem.test.thing.exploded.v1", {"thing_id": "k"}),  # unknown type
        event("be.vlaio.stem.test.thing.happened.v2", {"thing_id": "k", "n": 2}),  # version
        event(OTHER_TYPE, {"other_id": "o"}),  # catalogued, but for another topic
        event(NOTED_TYPE, {"thing_id": "k"}),  # of the topic, not handled: skipped
        event(THING_TYPE, {"thing_id": "k"}),  # fails its contract (no n)
        good,
    ]
    records = [FakeRecord.of(e, offset=n, topic=TOPIC) for n, e in enumerate(stream)]
    dead, stop = FakeDeadLetters(), asyncio.Event()

    outcomes: list[Outcome] = []
    while len(outcomes) < len(records):
        outcomes += await consumer.process_chunk(records[len(outcomes) :], stop, dead)

    X = Outcome.DEAD_LETTERED
    assert outcomes == [X, X, X, Outcome.SKIPPED, X, Outcome.HANDLED]
    assert await effect_rows(sqlite_sessions) == [(good.id, "k", 1)]  # the handler ran once
    letters = {int(h["dlq_original_offset"]): (doc, h) for _, doc, h in dead.sent}
    assert sorted(letters) == [0, 1, 2, 4]
    for offset in (0, 1, 2):
        doc, headers = letters[offset]
        assert headers["dlq_category"] == b"unknown_type"
        assert doc["reason"]["type"] == "UnknownEventType"  # type: ignore[index]
        assert doc["attempts"] == 0
    assert b"not on things.v1" in letters[2][1]["dlq_reason"]
    contract_doc, contract_headers = letters[4]
    assert contract_headers["dlq_category"] == b"contract"
    assert contract_doc["reason"]["type"] == "ContractViolation"  # type: ignore[index]
    assert contract_doc["attempts"] == 0  # not retried: it can never pass
    assert contract_doc["event_id"] is None

    assert unknown(name, "be.vlaio.stem.test.thing.exploded.v1") == 1
    assert unknown(name, "be.vlaio.stem.test.thing.happened.v2") == 1
    assert unknown(name, OTHER_TYPE) == 1
    assert unknown(name, NOTED_TYPE) == 0
    assert counted(name, NOTED_TYPE, "skipped") == 1
    assert counted(name, THING_TYPE, "handled") == 1
    assert counted(name, THING_TYPE, "dead_lettered") == 1


async def test_the_unknown_type_label_is_bounded(sqlite_sessions: Sessions) -> None:
    """Any producer may write any ce_type: a type that is not a valid type name is counted
    as "invalid", not as a label value of its own."""
    name = f"unknown-label-{uuid.uuid4().hex[:6]}"
    consumer = EventConsumer(
        name=name,
        topics=[TOPIC],
        bootstrap_servers="unused:9092",
        session_factory=sqlite_sessions,
        handler=record_effect,
        dead_letter_topic="things.dlq.v1",
        catalog=CATALOG,
    )
    key, value, headers = event(THING_TYPE, {"thing_id": "k", "n": 1}).to_kafka()
    hostile = [(n, v) for n, v in headers if n != "ce_type"] + [("ce_type", b"x" * 5000)]
    record = FakeRecord(TOPIC, 0, 0, key, value, hostile)
    dead = FakeDeadLetters()

    assert await consumer.process(record, asyncio.Event(), dead) is Outcome.DEAD_LETTERED
    assert counted(name, "invalid", "dead_lettered") == 1
    assert dead.sent[0][2]["dlq_category"] == b"undecodable"  # not even a type name
