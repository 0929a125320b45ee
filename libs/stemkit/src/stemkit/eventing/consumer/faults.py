"""Which failures are outages to wait out, and which are a record's or a handler's fault."""

from __future__ import annotations

import asyncio

from aiokafka.errors import CorruptRecordException, KafkaError, KafkaTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


def unreadable_record(exc: BaseException) -> bool:
    """Whether `getmany` failed on a record it could not parse (rather than on the broker)."""
    if isinstance(exc, CorruptRecordException):
        return True
    return not isinstance(exc, KafkaError | OSError | asyncio.CancelledError)


def broker_outage(exc: BaseException) -> bool:
    """The broker is unreachable or slow (wait for it), rather than refusing this record."""
    if isinstance(exc, KafkaTimeoutError | OSError | TimeoutError):
        return True
    return isinstance(exc, KafkaError) and exc.retriable


def is_transient(exc: BaseException) -> bool:
    """A database/network outage rather than a failure of the handler's logic."""
    if isinstance(exc, OperationalError | InterfaceError | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
