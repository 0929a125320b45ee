"""JSON logs carrying the CloudEvent id of the event being handled.

`event_id_var` is set by the consumer loop and the relay while they work on one event, and
by the HTTP layer for a webhook delivery; every log line written meanwhile carries it.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)


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


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route all logging (uvicorn's and aiokafka's included) to JSON lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
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
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
