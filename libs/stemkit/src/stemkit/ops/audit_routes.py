"""GET /audit, the ops read of a service's audit trail (`stemkit.ops.audit`), and the
`Reason` query parameter of the writes that have no body to carry one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, params
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.ops.audit import MAX_TEXT, Entry, entries

# Why a change was made, in the actor's words, for a request without a body to carry it.
Reason = Annotated[
    str | None,
    Query(max_length=MAX_TEXT, description="Why: kept in the audit trail with the change"),
]


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as the services' audit read routes answer it."""
    return {
        "audit_id": entry.audit_id,
        "recorded_at": entry.recorded_at.isoformat(),
        "actor": {"subject": entry.actor.subject, "name": entry.actor.name, "via": entry.actor.via},
        "academy_id": entry.academy_id,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "note": entry.note,
    }


def audit_router(
    sessions: async_sessionmaker[AsyncSession], table: Table, door: params.Security
) -> APIRouter:
    """GET /audit: the newest entries of an academy or of a kind of entity (ops)."""
    router = APIRouter(tags=["audit"], dependencies=[door])

    @router.get("/audit")
    async def list_audit(
        academy_id: Annotated[str | None, Query(max_length=64)] = None,
        entity: Annotated[str | None, Query(max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[dict[str, Any]]:
        """Who changed what, when, before and after, and why; newest first."""
        async with sessions() as session:
            found = await entries(
                session,
                table,
                academy_id=academy_id.lower() if academy_id else None,
                entity=entity,
                limit=limit,
            )
        return [entry_json(e) for e in found]

    return router
