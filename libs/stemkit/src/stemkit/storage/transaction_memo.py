"""Reads remembered for the rest of one database transaction.

The activities delivery worker settles a batch of deliveries in one transaction, and a
consumer a chunk of events (`stemkit.eventing.consumer`): mostly of the same few organizers,
places or academies, each read once per transaction instead of once per item. Tied to
the transaction, not the session: a session used again after a commit or a rollback
starts afresh. The adapter that writes a remembered row updates or forgets it itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


def memo(session: AsyncSession, name: str) -> dict[Any, Any]:
    """The dict `name` of the session's current transaction (empty at its start)."""
    transaction = session.sync_session.get_transaction()
    key = f"stemkit.memo.{name}"
    found = session.info.get(key)
    if found is None or found[0] is not transaction:
        found = session.info[key] = (transaction, {})
    memory: dict[Any, Any] = found[1]
    return memory


def forget(session: AsyncSession, name: str) -> None:
    session.info.pop(f"stemkit.memo.{name}", None)


def forget_all(session: AsyncSession) -> None:
    """Forget every memo of the session: after a rollback to a savepoint, what the
    rolled-back writes put in them is no longer true (the transaction goes on)."""
    for key in [key for key in session.info if str(key).startswith("stemkit.memo.")]:
        del session.info[key]
