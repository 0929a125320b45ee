"""The quarantine (tag "quarantine"): what could not become an activity, why, and replay.

Ops only (bearer token): the raw bodies are UiTdatabank's documents as received. A replay
is audited with the person of the token and the request's `reason` (issue 21).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from activities.adapters import delivery_store as deliveries
from activities.config import Settings
from activities.service_layer.audit import replay_quarantined
from stemkit.access.actor import Actor, request_actor
from stemkit.access.auth import OPS, WRITE
from stemkit.ops.audit import MAX_TEXT
from stemkit.storage.db import Database


class QuarantinedItem(BaseModel):
    webhook_id: str = Field(description="The delivery (webhook-id, or poller/backfill key)")
    source: str | None = Field(description="webhook | poller | backfill")
    reason: str | None = Field(description="Why it is not an activity")
    received_at: datetime | None
    attempts: int
    body: str = Field(description="The delivery as received")


class QuarantinePage(BaseModel):
    items: list[QuarantinedItem]
    total: int = Field(description="How many deliveries are in quarantine now")
    next_after: str | None = Field(description="Pass as `after` for the next page")


class ReplayRequest(BaseModel):
    webhook_ids: list[str] | None = Field(
        default=None, description="The deliveries to process again; null: all in quarantine"
    )
    reason: str | None = Field(
        default=None, max_length=MAX_TEXT, description="Why: kept in the audit trail"
    )


class ReplayResult(BaseModel):
    replayed: int = Field(description="Deliveries put back in the queue")


def quarantine_router(database: Database, settings: Settings) -> APIRouter:
    router = APIRouter(
        prefix="/quarantine",
        tags=["quarantine"],
        dependencies=[settings.doorkeeper().require(OPS)],
    )

    @router.get("", response_model=QuarantinePage, summary="List the quarantine")
    async def list_quarantine(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        after: Annotated[str | None, Query(description="next_after of the page before")] = None,
    ) -> QuarantinePage:
        async with database.session_factory() as session:
            found = await deliveries.quarantined(session, limit=limit, after=after)
            total = await deliveries.count(session, deliveries.QUARANTINED)
        items = [
            QuarantinedItem(
                webhook_id=d.webhook_id,
                source=d.source,
                reason=d.error,
                received_at=d.received_at,
                attempts=d.attempts,
                body=d.body,
            )
            for d in found
        ]
        next_after = found[-1].webhook_id if len(found) == limit else None
        return QuarantinePage(items=items, total=total, next_after=next_after)

    @router.post(
        "/replay",
        response_model=ReplayResult,
        summary="Process quarantined deliveries again (after a fix); audited",
        dependencies=[settings.doorkeeper().require(WRITE)],
    )
    async def replay(
        request: ReplayRequest, actor: Annotated[Actor, Depends(request_actor)]
    ) -> ReplayResult:
        async with database.session_factory() as session, session.begin():
            count = await replay_quarantined(session, request.webhook_ids, actor, request.reason)
        return ReplayResult(replayed=count)

    return router
