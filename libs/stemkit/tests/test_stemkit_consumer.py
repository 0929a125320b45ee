"""Unit tests of the consumer's per-message logic (`EventConsumer.process`): SQLite, no broker."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from dataclasses import dataclass, field

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    FakeRecord,
    effect_rows,
    record_effect,
    thing_catalog,
    thing_event,
    unique_topic,
)
from stemkit.eventing.consumer import EventConsumer, Handler, Outcome
from stemkit.eventing.envelope import CloudEvent, Headers
from stemkit.logging import configure_logging
from stemkit.storage.db import inbox

Sessions = async_sessionmaker[AsyncSession]
CATALOG = thing_catalog(unique_topic())


@dataclass
class FakeDeadLetters:
    """Collects dead letters; fails the first `fail` sends."""

    sent: list[tuple[bytes | None, dict[str, object], dict[str, bytes]]] = field(
        default_factory=list
    )
    fail: int = 0

    async def __call__(self, key: bytes | None, value: bytes, headers: Headers) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise ConnectionError("dead-letter topic unreachable (fake)")
        self.sent.append((key, json.loads(value), dict(headers)))


def make_consumer(
    sessions: Sessions, handler: Handler, name: str, max_attempts: int = 3
) -> EventConsumer:
    return EventConsumer(
        name=name,
        topics=["t.v1"],
        bootstrap_servers="unused:9092",
        session_factory=sessions,
        handler=handler,
        dead_letter_topic="t.dead-letters.v1",
        max_attempts=max_attempts,
        retry_backoff=0.01,
        max_retry_backoff=0.05,
    )


async def inbox_ids(sessions: Sessions, consumer: str) -> list[str]:
    async with sessions() as session:
        result = await session.execute(select(inbox.c.event_id).where(inbox.c.consumer == consumer))
        return [row.event_id for row in result]


def handled(consumer: str, outcome: str) -> float:
    labels = {
        "consumer": consumer,
        "type": "be.vlaio.stem.test.thing.happened.v1",
        "outcome": outcome,
    }
    return REGISTRY.get_sample_value("stem_events_handled_total", labels) or 0.0


async def test_handles_once_and_skips_the_duplicate(sqlite_sessions: Sessions) -> None:
    consumer = make_consumer(sqlite_sessions, record_effect, "unit-dup")
    event = thing_event(CATALOG, "t1", 7)
    dead = FakeDeadLetters()
    stop = asyncio.Event()

    assert await consumer.process(FakeRecord.of(event, offset=0), stop, dead) is Outcome.HANDLED
    assert await consumer.process(FakeRecord.of(event, offset=1), stop, dead) is Outcome.DUPLICATE

    assert await effect_rows(sqlite_sessions) == [(event.id, "t1", 7)]
    assert await inbox_ids(sqlite_sessions, "unit-dup") == [event.id]
    assert handled("unit-dup", "handled") == 1
    assert handled("unit-dup", "duplicate") == 1
    assert dead.sent == []


async def test_the_inbox_is_per_consumer(sqlite_sessions: Sessions) -> None:
    event = thing_event(CATALOG, "t1", 1)
    stop, dead = asyncio.Event(), FakeDeadLetters()
    for name in ("unit-a", "unit-b"):
        consumer = make_consumer(sqlite_sessions, record_effect, name)
        assert await consumer.process(FakeRecord.of(event), stop, dead) is Outcome.HANDLED
    assert len(await effect_rows(sqlite_sessions)) == 2


async def test_a_failing_handler_is_retried_then_succeeds(sqlite_sessions: Sessions) -> None:
    calls = 0

    async def flaky(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        await record_effect(session, event)  # rolled back when we raise below
        if calls < 3:
            raise RuntimeError("not yet")

    consumer = make_consumer(sqlite_sessions, flaky, "unit-flaky", max_attempts=3)
    event = thing_event(CATALOG, "t1", 1)
    outcome = await consumer.process(FakeRecord.of(event), asyncio.Event(), FakeDeadLetters())
    assert outcome is Outcome.HANDLED
    assert calls == 3
    assert await effect_rows(sqlite_sessions) == [(event.id, "t1", 1)]


async def test_a_poison_message_is_dead_lettered_with_reason_and_original(
    sqlite_sessions: Sessions,
) -> None:
    calls = 0

    async def poison(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        await record_effect(session, event)
        raise ValueError(f"cannot digest n={event.data['n']}")

    consumer = make_consumer(sqlite_sessions, poison, "unit-poison", max_attempts=3)
    event = thing_event(CATALOG, "t1", 13)
    record = FakeRecord.of(event, offset=42, topic="things.v1")
    dead = FakeDeadLetters(fail=1)  # the first dead-letter send fails and is retried

    assert await consumer.process(record, asyncio.Event(), dead) is Outcome.DEAD_LETTERED

    assert calls == 3
    assert await effect_rows(sqlite_sessions) == []  # every attempt rolled back
    assert await inbox_ids(sqlite_sessions, "unit-poison") == []  # not marked handled
    [(key, doc, headers)] = dead.sent
    assert key == b"t1"
    assert doc["reason"] == {"type": "ValueError", "message": "cannot digest n=13"}
    assert doc["attempts"] == 3
    assert doc["consumer"] == "unit-poison"
    assert doc["event_id"] == event.id
    original = doc["original"]
    assert isinstance(original, dict)
    assert (original["topic"], original["partition"], original["offset"]) == ("things.v1", 0, 42)
    assert original["key"] == {"encoding": "utf-8", "data": "t1"}
    assert json.loads(original["value"]["data"]) == {"n": 13, "thing_id": "t1"}
    assert {"name": "ce_id", "encoding": "utf-8", "data": event.id} in original["headers"]
    assert headers["dlq_reason"] == b"ValueError: cannot digest n=13"
    assert headers["dlq_original_offset"] == b"42"
    assert REGISTRY.get_sample_value("stem_dead_letters_total", {"consumer": "unit-poison"}) == 1
    assert handled("unit-poison", "dead_lettered") == 1


async def test_a_message_that_is_not_a_cloudevent_goes_straight_to_dead_letters(
    sqlite_sessions: Sessions,
) -> None:
    calls = 0

    async def never(_session: AsyncSession, _event: CloudEvent) -> None:
        nonlocal calls
        calls += 1

    consumer = make_consumer(sqlite_sessions, never, "unit-garbage")
    record = FakeRecord(
        topic="t.v1", partition=2, offset=5, key=None, value=b"\xff\x00junk", headers=[]
    )
    dead = FakeDeadLetters()

    assert await consumer.process(record, asyncio.Event(), dead) is Outcome.DEAD_LETTERED

    assert calls == 0
    [(key, doc, headers)] = dead.sent
    assert key is None
    reason = doc["reason"]
    assert isinstance(reason, dict) and reason["type"] == "EnvelopeError"
    assert doc["attempts"] == 0
    original = doc["original"]
    assert isinstance(original, dict)
    assert original["value"] == {
        "encoding": "base64",
        "data": base64.b64encode(b"\xff\x00junk").decode(),
    }
    assert headers["dlq_reason"].startswith(b"EnvelopeError")


async def test_database_outages_are_retried_without_counting_as_attempts(
    sqlite_sessions: Sessions,
) -> None:
    calls = 0

    async def db_down_for_a_while(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        if calls <= 5:  # more often than max_attempts
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("db down"))
        await record_effect(session, event)

    async def database_down() -> bool:  # the database answers no query either meanwhile
        return calls > 5

    consumer = make_consumer(sqlite_sessions, db_down_for_a_while, "unit-outage", max_attempts=2)
    consumer.database_answers = database_down  # type: ignore[method-assign]
    event = thing_event(CATALOG, "t1", 1)
    dead = FakeDeadLetters()
    assert await consumer.process(FakeRecord.of(event), asyncio.Event(), dead) is Outcome.HANDLED
    assert calls == 6
    assert dead.sent == []


@pytest.mark.parametrize("error", [TimeoutError("slow call"), ConnectionError("refused")])
async def test_an_error_like_an_outage_while_the_database_answers_is_charged_to_the_message(
    sqlite_sessions: Sessions, error: Exception
) -> None:
    """A handler that raises what looks like an outage (its own TimeoutError, SQLite's
    OperationalError "too many SQL variables", ...) for ever, while the database is up,
    is dead-lettered after `max_attempts` like any failure: no loop retries it for ever."""
    calls = 0

    async def always(_session: AsyncSession, _event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        raise error

    name = f"unit-looks-like-outage-{type(error).__name__}"
    consumer = make_consumer(sqlite_sessions, always, name, max_attempts=3)
    dead = FakeDeadLetters()
    record = FakeRecord.of(thing_event(CATALOG, "t1", 1))
    outcome = await asyncio.wait_for(consumer.process(record, asyncio.Event(), dead), 10)
    assert outcome is Outcome.DEAD_LETTERED
    assert calls == 3
    [(_, doc, headers)] = dead.sent
    assert doc["reason"] == {"type": type(error).__name__, "message": str(error)}
    assert headers["dlq_category"] == b"handler"


async def test_stop_during_retries_leaves_the_message_unsettled(sqlite_sessions: Sessions) -> None:
    stop = asyncio.Event()

    async def failing(_session: AsyncSession, _event: CloudEvent) -> None:
        stop.set()
        raise RuntimeError("boom")

    consumer = make_consumer(sqlite_sessions, failing, "unit-stop", max_attempts=5)
    dead = FakeDeadLetters()
    outcome = await consumer.process(FakeRecord.of(thing_event(CATALOG, "t1", 1)), stop, dead)
    assert outcome is None  # caller must not commit the offset
    assert dead.sent == []
    assert await inbox_ids(sqlite_sessions, "unit-stop") == []


@pytest.mark.parametrize("max_attempts", [1, 2])
async def test_max_attempts_is_the_number_of_handler_runs(
    sqlite_sessions: Sessions, max_attempts: int
) -> None:
    calls = 0

    async def failing(_session: AsyncSession, _event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    consumer = make_consumer(sqlite_sessions, failing, f"unit-max-{max_attempts}", max_attempts)
    dead = FakeDeadLetters()
    outcome = await consumer.process(
        FakeRecord.of(thing_event(CATALOG, "t1", 1)), asyncio.Event(), dead
    )
    assert outcome is Outcome.DEAD_LETTERED
    assert calls == max_attempts
    assert dead.sent[0][1]["attempts"] == max_attempts


async def test_log_lines_carry_the_cloudevent_id(
    sqlite_sessions: Sessions, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("unit-logs", "DEBUG")  # "event handled" is a DEBUG line
    try:
        event = thing_event(CATALOG, "t1", 3)
        consumer = make_consumer(sqlite_sessions, record_effect, "unit-logs")
        dead = FakeDeadLetters()
        outcome = await consumer.process(FakeRecord.of(event), asyncio.Event(), dead)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    assert outcome is Outcome.HANDLED
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    handled_lines = [line for line in lines if line["message"] == "event handled"]
    assert handled_lines, lines
    assert handled_lines[0]["event_id"] == event.id
    assert handled_lines[0]["event_type"] == event.type
    assert handled_lines[0]["service"] == "unit-logs"


async def test_a_broker_outage_is_waited_out_and_a_refusal_sends_the_reduced_letter(
    sqlite_sessions: Sessions,
) -> None:
    """Timeouts and retriable errors are an outage: the same letter is sent again. A
    refusal of the letter itself (MessageSizeTooLargeError) sends the reduced one."""
    errors: list[Exception] = [
        KafkaTimeoutError(),  # not `retriable` in aiokafka, but the broker is slow or away
        KafkaConnectionError("broker away"),
        MessageSizeTooLargeError(),
    ]
    tried: list[dict[str, bytes]] = []
    sent = FakeDeadLetters()

    async def sink(key: bytes | None, value: bytes, headers: Headers) -> None:
        tried.append(dict(headers))
        if errors:
            raise errors.pop(0)
        await sent(key, value, headers)

    async def never(_session: AsyncSession, _event: CloudEvent) -> None:
        raise AssertionError("not a CloudEvent: the handler never runs")

    consumer = make_consumer(sqlite_sessions, never, "unit-dlq-refused")
    record = FakeRecord(
        topic="t.v1", partition=0, offset=9, key=b"k", value=b"\xff" * 10_000, headers=[]
    )
    assert await consumer.process(record, asyncio.Event(), sink) is Outcome.DEAD_LETTERED

    assert ["dlq_reduced" in headers for headers in tried] == [False, False, False, True]
    [(key, doc, headers)] = sent.sent
    assert key == b"k"
    assert headers["dlq_reduced"] == b"true"
    assert headers["dlq_original_offset"] == b"9"
    original = doc["original"]
    assert isinstance(original, dict)
    value = original["value"]
    assert value["encoding"] == "base64" and value["size"] == 10_000 and value["truncated"]
    assert base64.b64decode(value["data"]) == b"\xff" * 4096
