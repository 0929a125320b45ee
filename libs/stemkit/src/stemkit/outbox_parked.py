"""Parked outbox rows, for ops: list them, put one back in line, or discard one (ADR 0008).

The relay (`stemkit.relay`) parks a row that can never be sent as it is, and parks behind it
("held") the later rows with the same topic and key. Here:

- `GET /outbox/parked?limit=`: the parked rows, oldest first, each with its reason and,
  when it is held, the row it waits behind (`blocked_by`);
- `POST /outbox/parked/{seq}/retry`: the row and the rows held behind it go back in line,
  in their order (after a fix: a larger limit, a repaired topic);
- `POST /outbox/parked/{seq}/discard`: the row is deleted (its event is never sent; the
  log keeps its id and reason) and the rows held behind it go back in line.

All behind the guard the service gives (its ops credential, `stemkit.auth`). The relay
updates `stem_outbox_parked` at its next sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, params, status
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.db import outbox
from stemkit.relay import HELD_BEHIND

log = logging.getLogger(__name__)

MAX_LIMIT = 500
Seq = Annotated[int, Path(ge=1, description="The parked row's seq")]


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


async def _parked(session: AsyncSession, seq: int) -> tuple[str, str] | None:
    c = outbox.c
    row = (
        await session.execute(
            select(c.topic, c.key).where(
                c.seq == seq, c.parked_at.is_not(None), c.sent_at.is_(None)
            )
        )
    ).first()
    return None if row is None else (row.topic, row.key)


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


async def retry_parked(sessions: async_sessionmaker[AsyncSession], seq: int) -> int | None:
    """Put parked row `seq` and the rows held behind it back in line; how many (None: no
    such parked row). If it still cannot be sent, the relay parks it again."""
    async with sessions() as session, session.begin():
        found = await _parked(session, seq)
        if found is None:
            return None
        released = await _release(session, *found, seq)
    log.warning("parked outbox rows put back in line", extra={"seq": seq, "released": released})
    return released


async def discard_parked(sessions: async_sessionmaker[AsyncSession], seq: int) -> int | None:
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
        released = await _release(session, *found, seq)
    log.warning(
        "parked outbox row discarded: its event %s is never sent (%s)",
        gone.event_id,
        gone.parked_reason,
        extra={"seq": seq, "released": released},
    )
    return released


class Released(BaseModel):
    seq: int
    released: int  # rows put back in line (on retry: it too)


def parked_outbox_router(
    sessions: async_sessionmaker[AsyncSession], guard: params.Depends
) -> APIRouter:
    """The ops routes of the module docstring, for one service's database, behind `guard`
    (e.g. `Depends(stemkit.auth.require_ops_token(settings.ops_token))`)."""
    router = APIRouter(prefix="/outbox/parked", tags=["ops"], dependencies=[guard])

    def _missing(seq: int) -> HTTPException:
        return HTTPException(status.HTTP_404_NOT_FOUND, f"no parked outbox row {seq}")

    @router.get("")
    async def list_parked(
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ) -> list[ParkedRow]:
        """Outbox rows the relay parked (unsendable, or held behind one with their key),
        oldest first, each with its reason."""
        return await parked_rows(sessions, limit)

    @router.post("/{seq}/retry")
    async def retry(seq: Seq) -> Released:
        """Put a parked row and the rows held behind it back in line, in their order."""
        released = await retry_parked(sessions, seq)
        if released is None:
            raise _missing(seq)
        return Released(seq=seq, released=released)

    @router.post("/{seq}/discard")
    async def discard(seq: Seq) -> Released:
        """Delete a parked row (its event is never sent) and put the rows held behind it
        back in line."""
        released = await discard_parked(sessions, seq)
        if released is None:
            raise _missing(seq)
        return Released(seq=seq, released=released)

    return router
