"""Logs a person can read on a terminal, JSON for everything else (issue 22)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    FakeRecord,
    record_effect,
    thing_catalog,
    thing_event,
    unique_topic,
)
from stemkit.eventing.consumer import EventConsumer, Outcome
from stemkit.eventing.envelope import Headers
from stemkit.logging import configure_logging, event_id_var

CATALOG = thing_catalog(unique_topic())


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("STEM_LOG_FORMAT", "STEM_ENV", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    quieted = [logging.getLogger(name) for name in ("uvicorn.error", "aiokafka")]
    saved = root.handlers[:], root.level, [logger.level for logger in quieted]
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for logger, level in zip(quieted, saved[2], strict=True):
        logger.setLevel(level)


def lines_logged(
    monkeypatch: pytest.MonkeyPatch, stderr: io.StringIO, level: str = "INFO"
) -> list[str]:
    monkeypatch.setattr("sys.stderr", stderr)
    configure_logging("unit-console", level)
    token = event_id_var.set("ce-42")
    try:
        logging.getLogger("unit").info("academy registered", extra={"academy_id": "a-1"})
        logging.getLogger("uvicorn.error").info("Started server process [1]")
        logging.getLogger("aiokafka.consumer.group_coordinator").warning(
            "Marking the coordinator dead"
        )
    finally:
        event_id_var.reset(token)
    return stderr.getvalue().splitlines()


def test_on_a_terminal_one_coloured_line_per_record_with_its_event_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [line] = lines_logged(monkeypatch, Terminal())  # uvicorn's and aiokafka's chatter left out
    assert "academy registered" in line
    assert "event_id" in line and "ce-42" in line and "a-1" in line
    assert "\x1b[" in line  # coloured (ANSI), by level
    assert not line.startswith("{")


def test_not_a_terminal_means_json_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [json.loads(line) for line in lines_logged(monkeypatch, io.StringIO())]
    assert [(r["level"], r["message"], r["event_id"], r["service"]) for r in lines] == [
        ("INFO", "academy registered", "ce-42", "unit-console"),
        ("INFO", "Started server process [1]", "ce-42", "unit-console"),
        ("WARNING", "Marking the coordinator dead", "ce-42", "unit-console"),
    ]


@pytest.mark.parametrize(
    ("variables", "console"),
    [
        ({"STEM_LOG_FORMAT": "json"}, False),
        ({"STEM_ENV": "production", "STEM_LOG_FORMAT": "console"}, False),
        ({"STEM_LOG_FORMAT": "console"}, True),  # `make run` under honcho: a pipe, not a tty
    ],
)
def test_the_format_asked_for_except_that_production_is_always_json(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], console: bool
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    stderr = io.StringIO() if console else Terminal()
    first = lines_logged(monkeypatch, stderr)[0]
    assert first.startswith("{") is not console


async def test_event_handled_is_a_debug_line(
    sqlite_sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr", stderr := io.StringIO())
    configure_logging("unit-quiet", "INFO")
    consumer = EventConsumer(
        name="unit-quiet",
        topics=["t.v1"],
        bootstrap_servers="unused:9092",
        session_factory=sqlite_sessions,
        handler=record_effect,
        dead_letter_topic="t.dead-letters.v1",
    )

    async def no_dead_letters(_key: bytes | None, _value: bytes, _headers: Headers) -> None:
        raise AssertionError("nothing should be dead-lettered")

    event = thing_event(CATALOG, "quiet", 1)
    outcome = await consumer.process(FakeRecord.of(event), asyncio.Event(), no_dead_letters)

    assert outcome is Outcome.HANDLED
    assert "event handled" not in stderr.getvalue()
