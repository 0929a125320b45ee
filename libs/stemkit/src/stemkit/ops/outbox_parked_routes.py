"""The ops routes over parked outbox rows (`stemkit.ops.outbox_parked`, ADR 0008):

- `GET /outbox/parked?limit=`: the parked rows, oldest first, each with its reason and,
  when it is held, the row it waits behind (`blocked_by`);
- `POST /outbox/parked/{seq}/retry`: the row and the rows held behind it go back in line;
- `POST /outbox/parked/{seq}/discard`: the row is deleted and the rows held behind it go
  back in line.

All behind the guard the service gives (its doorkeeper, `stemkit.access.auth`). Retry and
discard are audited: who, the row before, what became of it, and the optional `?reason=`.
The relay updates `stem_outbox_parked` at its next sweep.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, params, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.access.actor import Actor, request_actor
from stemkit.ops.audit import Change, Trail
from stemkit.ops.audit_routes import Reason
from stemkit.ops.outbox_parked import Audit, ParkedRow, discard_parked, parked_rows, retry_parked

MAX_LIMIT = 500
MAX_SEQ = 2**63 - 1  # the outbox's BIGINT: a larger number is no row (422, not a driver error)
Seq = Annotated[int, Path(ge=1, le=MAX_SEQ, description="The parked row's seq")]
Who = Annotated[Actor, Depends(request_actor)]


class Released(BaseModel):
    seq: int
    released: int  # rows put back in line (on retry: it too)


def parked_outbox_router(
    sessions: async_sessionmaker[AsyncSession], guard: params.Depends, trail: Trail
) -> APIRouter:
    """The ops routes of the module docstring, for one service's database, behind `guard`
    (its doorkeeper, e.g. `settings.doorkeeper().require(WRITE)`), audited in `trail`."""
    router = APIRouter(prefix="/outbox/parked", tags=["ops"], dependencies=[guard])

    def audited(actor: Actor, reason: str | None) -> Audit:
        async def audit(session: AsyncSession, change: Change) -> None:
            await trail.record(session, actor, replace(change, reason=reason))

        return audit

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
    async def retry(seq: Seq, actor: Who, reason: Reason = None) -> Released:
        """Put a parked row and the rows held behind it back in line, in their order;
        audited."""
        released = await retry_parked(sessions, seq, audited(actor, reason))
        if released is None:
            raise _missing(seq)
        return Released(seq=seq, released=released)

    @router.post("/{seq}/discard")
    async def discard(seq: Seq, actor: Who, reason: Reason = None) -> Released:
        """Delete a parked row (its event is never sent) and put the rows held behind it
        back in line; audited."""
        released = await discard_parked(sessions, seq, audited(actor, reason))
        if released is None:
            raise _missing(seq)
        return Released(seq=seq, released=released)

    return router
