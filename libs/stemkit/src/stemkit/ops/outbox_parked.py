"""Parked outbox rows, for ops: list them, put one back in line, or discard one (ADR 0008).

The relay (`stemkit.eventing.relay`) parks a row that can never be sent as it is, and parks
behind it ("held") the later rows with the same topic and key. Here, each in its own
transaction: `parked_rows` (oldest first, each with its reason and, when it is held, the row
it waits behind), `retry_parked` (the row and the rows held behind it back in line, in their
order: after a fix, a larger limit, a repaired topic) and `discard_parked` (the row deleted,
its event never sent, the log keeps its id and reason; the rows held behind it back in
line). Retry and discard are audited in the same transaction (`stemkit.ops.audit`, the
service's own trail). The routes: `stemkit.ops.outbox_parked_routes`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing.relay import HELD_BEHIND
from stemkit.ops.audit import Change
from stemkit.storage.db import outbox

log = logging.getLogger(__name__)

ENTITY = "outbox_row"  # the audit trail's name for a parked row (entity_id: its seq)
# Records one change in the caller's transaction (a `Trail` with its actor and reason).
Audit = Callable[[AsyncSession, Change], Awaitable[object]]


class ParkedRow(BaseModel):
    """One parked outbox row: which event, where it was going, why it is parked."""

    seq: int
    event_id: str
    event_type: str
    topic: str
    key: str
    created_at: datetime
    parked_at: datetime
    reason: str
    attempts: int
    envelope_bytes: int  # the size of the stored CloudEvent
    blocked_by: int | None  # held: the seq of the parked row with its key it waits behind


def _blocked_by(reason: str) -> int | None:
    if not reason.startswith(HELD_BEHIND):
        return None
    number = reason.removeprefix(HELD_BEHIND).split(":", 1)[0].strip()
    return int(number) if number.isdigit() else None


async def parked_rows(
    sessions: async_sessionmaker[AsyncSession], limit: int = 100
) -> list[ParkedRow]:
    """The oldest `limit` parked rows, by seq."""
    c = outbox.c
    async with sessions() as session:
        result = await session.execute(
            select(
                c.seq,
                c.event_id,
                c.event_type,
                c.topic,
                c.key,
                c.created_at,
                c.parked_at,
                c.parked_reason,
                c.attempts,
                c.envelope,
            )
            .where(c.parked_at.is_not(None), c.sent_at.is_(None))
            .order_by(c.seq)
            .limit(limit)
        )
        return [
            ParkedRow(
                seq=r.seq,
                event_id=r.event_id,
                event_type=r.event_type,
                topic=r.topic,
                key=r.key,
                created_at=r.created_at,
                parked_at=r.parked_at,
                reason=r.parked_reason or "",
                attempts=r.attempts,
                envelope_bytes=len(r.envelope.encode()),
                blocked_by=_blocked_by(r.parked_reason or ""),
            )
            for r in result
        ]


async def _parked(session: AsyncSession, seq: int) -> dict[str, Any] | None:
    """The parked row `seq` as the audit trail shows it (locked on PostgreSQL, so two ops
    acting on it at once do not both act), or None."""
    c = outbox.c
    row = (
        await session.execute(
            select(c.topic, c.key, c.event_id, c.event_type, c.parked_reason, c.attempts)
            .where(c.seq == seq, c.parked_at.is_not(None), c.sent_at.is_(None))
            .with_for_update()
        )
    ).first()
    if row is None:
        return None
    return {"state": "parked", **row._asdict()}


async def _release(session: AsyncSession, topic: str, key: str, from_seq: int) -> int:
    """Put the parked rows of `topic`/`key` from `from_seq` on back in line; how many."""
    c = outbox.c
    result = await session.execute(
        update(outbox)
        .where(
            c.topic == topic,
            c.key == key,
            c.seq >= from_seq,
            c.parked_at.is_not(None),
            c.sent_at.is_(None),
        )
        .values(parked_at=None, parked_reason=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def retry_parked(
    sessions: async_sessionmaker[AsyncSession], seq: int, audit: Audit | None = None
) -> int | None:
    """Put parked row `seq` and the rows held behind it back in line; how many (None: no
    such parked row). If it still cannot be sent, the relay parks it again."""
    async with sessions() as session, session.begin():
        found = await _parked(session, seq)
        if found is None:
            return None
        released = await _release(session, found["topic"], found["key"], seq)
        if audit is not None:
            after = {**found, "state": "in line", "released": released}
            await audit(session, Change(ENTITY, str(seq), "retried", before=found, after=after))
    log.warning("parked outbox rows put back in line", extra={"seq": seq, "released": released})
    return released


async def discard_parked(
    sessions: async_sessionmaker[AsyncSession], seq: int, audit: Audit | None = None
) -> int | None:
    """Delete parked row `seq` (its event is never sent) and put the rows held behind it
    back in line; how many were released (None: no such parked row)."""
    c = outbox.c
    async with sessions() as session, session.begin():
        found = await _parked(session, seq)
        if found is None:
            return None
        gone = (
            await session.execute(
                delete(outbox).where(c.seq == seq).returning(c.event_id, c.parked_reason)
            )
        ).one()
        released = await _release(session, found["topic"], found["key"], seq)
        if audit is not None:
            note = f"{released} row(s) held behind it put back in line"
            change = Change(ENTITY, str(seq), "discarded", before=found, note=note)
            await audit(session, change)
    log.warning(
        "parked outbox row discarded: its event %s is never sent (%s)",
        gone.event_id,
        gone.parked_reason,
        extra={"seq": seq, "released": released},
    )
    return released
