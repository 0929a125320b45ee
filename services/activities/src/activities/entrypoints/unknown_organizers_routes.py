"""Ops read of the organizers UiTdatabank keeps sending that no academy is linked to
(tag "ops", a token with the ops scope; issue 15).

Their activities are stored but not on the STEM-kalender (`listing.of_an_academy`). Ops
decide from this list whether one is an academy's: linking it is a registry write (the
academy's `uit_organizer_ids`, `PATCH /academies/{id}` on the registry), after which the
registry's event lists its activities here at once and the poller pulls its history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from activities.adapters.unknown_organizers import unknown_organizers_of
from activities.config import Settings
from stemkit.access.auth import OPS
from stemkit.storage.db import Database


class UnknownOrganizer(BaseModel):
    organizer_id: str = Field(description="UiTdatabank organizer id, linked to no academy")
    name: str | None = Field(description="Its name, once the organizer document was read")
    activities: int = Field(description="Its activities stored (not listed)")
    deliveries: int = Field(description="Deliveries (webhook, poller, backfill) of them")
    last_seen: datetime = Field(description="When one of its activities last arrived")


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite: naive UTC


def unknown_organizers_router(database: Database, settings: Settings) -> APIRouter:
    guard = settings.doorkeeper().require(OPS)
    router = APIRouter(tags=["ops"], dependencies=[guard])

    @router.get("/organizers/unknown", summary="Organizers that send but no academy is linked to")
    async def unknown_organizers(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[UnknownOrganizer]:
        """The last seen first: those that keep sending are on top."""
        async with database.session_factory() as session:
            rows = await unknown_organizers_of(session, limit)
        return [
            UnknownOrganizer(
                organizer_id=row.organizer_id,
                name=row.name,
                activities=row.activities,
                deliveries=int(row.deliveries),
                last_seen=_utc(row.last_seen),
            )
            for row in rows
        ]

    return router
