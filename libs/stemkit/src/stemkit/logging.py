"""Logs carrying the CloudEvent id of the event being handled: JSON lines for machines, one
coloured line per record for a person at a terminal.

`event_id_var` is set by the consumer loop and the relay while they work on one event, and
by the HTTP layer for a webhook delivery; every log line written meanwhile carries it.

The format: JSON (python-json-logger) whenever stderr is not a terminal and always with
STEM_ENV=production, so CI, the tests and log collectors read what they always read; on a
terminal, structlog's console renderer (time, level in its colour, message, key=value).
`STEM_LOG_FORMAT=console|json` decides instead: `make run` sets `console` when its own
output is a terminal, since honcho hands each service a pipe, not a terminal.
"""

from __future__ import annotations

import logging
import os
import sys
from contextvars import ContextVar

import structlog
from pythonjsonlogger.json import JsonFormatter
from structlog.typing import EventDict, WrappedLogger

event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)

# Set to "json" or "console" to choose; anything else (or unset): console on a terminal.
LOG_FORMAT_VARIABLE = "STEM_LOG_FORMAT"


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        event_id = event_id_var.get()
        if event_id is not None:
            record.event_id = event_id
        return True


def console_wanted() -> bool:
    """Console lines for a person, or JSON (see the module's docstring)."""
    if os.environ.get("STEM_ENV", "").lower() == "production":
        return False
    chosen = os.environ.get(LOG_FORMAT_VARIABLE, "").lower()
    if chosen in ("console", "json"):
        return chosen == "console"
    return sys.stderr.isatty()


def _without_service(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event.pop("service", None)  # honcho's prefix or the command itself says which one
    return event


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def console_formatter() -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.ExtraAdder(),  # event_id, event_type, ... as key=value
            structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _without_service,
            structlog.dev.ConsoleRenderer(
                colors="NO_COLOR" not in os.environ,
                pad_event_to=0,
                exception_formatter=structlog.dev.plain_traceback,
            ),
        ],
    )


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route all logging (uvicorn's and aiokafka's included) to stderr, JSON or console."""
    console = console_wanted()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(console_formatter() if console else json_formatter())
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        # `uvicorn --no-access-log` leaves the access logger without handlers and not
        # propagating: keep it silent. Otherwise send uvicorn's lines through ours.
        if name == "uvicorn.access" and not logger.handlers and not logger.propagate:
            continue
        logger.handlers[:] = []
        logger.propagate = True
    # On a console a person needs neither uvicorn's "Started server process" and three more
    # lines per service (the banner says where each listens) nor aiokafka's warnings about
    # retries it makes by itself ("Marking the coordinator dead" while a new broker starts);
    # errors still show, and our own code warns when a retry is not enough.
    logging.getLogger("aiokafka").setLevel(
        max(logging.ERROR if console else logging.WARNING, root.level)
    )
    quieter = max(logging.WARNING, root.level) if console else logging.NOTSET
    logging.getLogger("uvicorn.error").setLevel(quieter)
