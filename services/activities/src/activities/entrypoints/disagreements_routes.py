"""Ops read of the places whose coordinates and postal code disagree (tag "ops", a token
with the ops scope; issue 15). The address decides the municipality for reach and payment
alike (`stemkit.domain.places`); the coordinates lying elsewhere are flagged on the location's
periods, and ops see them here (and on the gateway's /ops ingestion page) to correct the
place in UiTdatabank."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from activities.adapters.disagreements import disagreements
from activities.config import Settings
from stemkit.access.auth import OPS
from stemkit.storage.db import Database


class Disagreement(BaseModel):
    first: date | None = Field(description="First day of the period; null: from any day")
    last: date | None = Field(description="Last day; null: still")
    nis_code: str | None = Field(description="The municipality the address gives (it counts)")
    disagreement: str = Field(description="Where the coordinates lie instead")


class DisagreeingActivity(BaseModel):
    activity_id: str
    name: str
    academy_id: str | None
    organizer_id: str | None
    place_id: str | None
    postal_code: str | None
    locality: str | None
    periods: list[Disagreement] = Field(description="The periods that disagree")


class Disagreements(BaseModel):
    count: int = Field(description="Stored activities whose coordinates and address disagree")
    items: list[DisagreeingActivity] = Field(description="The most recently updated first")


def disagreements_router(database: Database, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["ops"], dependencies=[settings.doorkeeper().require(OPS)])

    @router.get(
        "/places/disagreements",
        summary="Activities whose coordinates lie in another municipality than their address",
    )
    async def place_disagreements(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> Disagreements:
        async with database.session_factory() as session:
            count, found = await disagreements(session, limit)
        return Disagreements(
            count=count,
            items=[
                DisagreeingActivity(
                    activity_id=a.activity_id,
                    name=a.name,
                    academy_id=a.academy_id,
                    organizer_id=a.organizer_id,
                    place_id=a.location.place_id,
                    postal_code=a.location.postal_code,
                    locality=a.location.locality,
                    periods=[
                        Disagreement(
                            first=p.first,
                            last=p.last,
                            nis_code=p.nis_code,
                            disagreement=p.disagreement,
                        )
                        for p in a.location.periods
                        if p.disagreement is not None
                    ],
                )
                for a in found
            ],
        )

    return router
