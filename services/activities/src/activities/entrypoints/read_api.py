"""Read endpoints of the catalogue (tag "activities"), for the gateway and operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from activities.adapters import repository
from activities.adapters.snapshots import to_snapshot
from stemkit.contracts.activities import ActivitySnapshot
from stemkit.db import Database

MAX_BATCH = 100


class ActivityBatch(BaseModel):
    """The activities found, in id order; unknown ids are left out."""

    items: list[ActivitySnapshot]


def read_router(database: Database) -> APIRouter:
    router = APIRouter(prefix="/activities", tags=["activities"])

    @router.get("", response_model=ActivityBatch, summary="Get activities by id (batch)")
    async def get_activities(
        ids: Annotated[
            str, Query(description=f"Activity ids, comma separated, at most {MAX_BATCH}")
        ],
    ) -> ActivityBatch:
        wanted = {part.strip().lower() for part in ids.split(",") if part.strip()}
        if len(wanted) > MAX_BATCH:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"at most {MAX_BATCH} ids per request"
            )
        async with database.session_factory() as session:
            found = await repository.get_activities(session, wanted)
        return ActivityBatch(items=[to_snapshot(activity) for activity in found])

    @router.get(
        "/{activity_id}",
        response_model=ActivitySnapshot,
        responses={404: {"description": "No such activity"}},
        summary="Get one activity",
    )
    async def get_activity(activity_id: str) -> ActivitySnapshot:
        async with database.session_factory() as session:
            found = await repository.get_activities(session, [activity_id.strip().lower()])
        if not found:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no activity {activity_id}")
        return to_snapshot(found[0])

    return router
