"""Partner reads of recognition (issue 18): each academy's recognition in force on a day and
its roles in a year, in one batch for the gateway's GraphQL `Academy.recognition` and
`Academy.roles`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from registry.domain.recognition import Status
from registry.service_layer import recognition
from stemkit.contracts.registry import Role
from stemkit.storage.db import Database

MAX_BATCH = 100


class StandingOut(BaseModel):
    academy_id: str
    status: Status | None = Field(description="The status in force on the day; null: none yet")
    valid_from: date | None = Field(description="Of the decision in force")
    valid_until: date | None = Field(description="Of the decision in force; null: open-ended")
    recognised: bool = Field(description="Counts as recognised on the day")
    roles: list[Role] = Field(description="Roles held in the year")


def standing_router(database: Database) -> APIRouter:
    router = APIRouter(tags=["recognition"])

    @router.get("/recognition/standing")
    async def list_standing(
        ids: Annotated[
            str, Query(description=f"Comma-separated academy ids (at most {MAX_BATCH})")
        ],
        on: Annotated[date, Query(description="The day the recognition is in force")],
        year: Annotated[int, Query(ge=2000, le=2100, description="The year of the roles")],
    ) -> list[StandingOut]:
        """For each academy asked (in that order, unknown ones too: no status, no roles), its
        recognition in force on `on` and its roles in `year`."""
        wanted = list(dict.fromkeys(i.strip().lower() for i in ids.split(",") if i.strip()))
        if not wanted or len(wanted) > MAX_BATCH:
            raise RequestValidationError(
                [{"type": "too_long", "loc": ("query", "ids"), "msg": f"1 to {MAX_BATCH} ids"}]
            )
        async with database.session_factory() as session:
            found = await recognition.standings(session, wanted, on, year)
        return [
            StandingOut(
                academy_id=s.academy_id,
                status=s.in_force.status if s.in_force else None,
                valid_from=s.in_force.valid_from if s.in_force else None,
                valid_until=s.in_force.valid_until if s.in_force else None,
                recognised=s.recognised,
                roles=cast(list[Role], s.roles),
            )
            for s in found
        ]

    return router
