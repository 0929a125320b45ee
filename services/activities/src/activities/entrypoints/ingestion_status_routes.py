"""Ops reads of the ingestion's health (tag "ops", a token with the ops scope): when the
Search API poller last synced, per kind, and the lag of this service's consumer group
(`stemkit.ops.consumer_lag`). The gateway's ops pages show both."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from activities.adapters import poll_state
from activities.config import Settings
from activities.entrypoints.consumer import GROUP
from stemkit.access.auth import OPS
from stemkit.ops.consumer_lag import consumer_lag_router
from stemkit.storage.db import Database


class PollerCursor(BaseModel):
    kind: str = Field(description="event, place or organizer")
    cursor: datetime = Field(description="Documents modified up to here are fetched")
    updated_at: datetime = Field(description="When the poller last moved this cursor")


def ingestion_status_router(database: Database, settings: Settings) -> APIRouter:
    guard = settings.doorkeeper().require(OPS)
    router = APIRouter(tags=["ops"], dependencies=[guard])

    @router.get("/poller/status")
    async def poller_status() -> list[PollerCursor]:
        """The Search API poller's cursor per kind and when it last moved it (empty: the
        poller has not synced yet, or runs nowhere)."""
        async with database.session_factory() as session:
            found = await poll_state.cursors(session)
        return [PollerCursor(kind=c.kind, cursor=c.cursor, updated_at=c.updated_at) for c in found]

    router.include_router(consumer_lag_router(settings.kafka_bootstrap_servers, GROUP, guard))
    return router
