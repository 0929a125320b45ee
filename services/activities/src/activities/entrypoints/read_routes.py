"""Read endpoints of the catalogue (tag "activities"), for the gateway and partner sites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from activities.adapters import activity_store
from activities.adapters.listing import BadCursor, Filters, list_activities, partner_listed
from activities.adapters.snapshots import to_snapshot
from activities.domain.model import Activity
from stemkit.contracts.activities import ActivitySnapshot
from stemkit.storage.db import Database

MAX_BATCH = 100
MAX_PAGE = 200


def listed(activity: Activity, shown: bool) -> ListedActivity:
    return ListedActivity(**dict(to_snapshot(activity)), listed=shown)


class ListedActivity(ActivitySnapshot):
    """The activity as events carry it, and whether the STEM-kalender lists it."""

    listed: bool = Field(
        default=True,
        description="Shown to partners: public, not withdrawn, not school-only, and of an "
        "academy or with an ACTIVITIES_STEM_LABELS label (the listing's own rule)",
    )


class ActivityBatch(BaseModel):
    """By ids: the activities found, in id order, unknown ids left out, each with `listed`.
    Listing: a page of the STEM-kalender in (first start, id) order (all listed)."""

    items: list[ListedActivity]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last one"
    )


def read_router(database: Database, stem_labels: Sequence[str] = ()) -> APIRouter:
    """`stem_labels`: ACTIVITIES_STEM_LABELS (the listing also shows an activity of no
    academy that carries one)."""
    router = APIRouter(prefix="/activities", tags=["activities"])

    @router.get(
        "",
        response_model=ActivityBatch,
        summary="Get activities by id (batch), or list the STEM-kalender with filters",
        responses={422: {"description": "Too many ids, or an invalid filter or cursor"}},
    )
    async def get_activities(
        ids: Annotated[
            str | None,
            Query(
                description=f"Activity ids, comma separated, at most {MAX_BATCH}; "
                "the other parameters are then ignored"
            ),
        ] = None,
        start: Annotated[
            datetime | None, Query(alias="from", description="Occurring on or after")
        ] = None,
        end: Annotated[
            datetime | None, Query(alias="to", description="Occurring on or before")
        ] = None,
        nis_code: Annotated[list[str] | None, Query(description="Municipality NIS codes")] = None,
        province: Annotated[str | None, Query(description="Province name (nl)")] = None,
        academy_id: Annotated[str | None, Query()] = None,
        theme_id: Annotated[
            list[str] | None, Query(description="UiTdatabank theme ids; any of them")
        ] = None,
        age: Annotated[int | None, Query(ge=0, le=150, description="Suits this age")] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text in name or place")] = None,
        cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    ) -> ActivityBatch:
        if ids is None:
            filters = Filters(
                start=start,
                end=end,
                nis_codes=tuple(nis_code or ()),
                province=province,
                academy_id=academy_id,
                theme_ids=tuple(theme_id or ()),
                age=age,
                text=q,
                stem_labels=tuple(stem_labels),
            )
            try:
                async with database.session_factory() as session:
                    found, next_cursor = await list_activities(
                        session, filters, limit=limit, cursor=cursor
                    )
            except BadCursor as exc:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
            return ActivityBatch(items=[listed(a, True) for a in found], next_cursor=next_cursor)
        wanted = {part.strip().lower() for part in ids.split(",") if part.strip()}
        if not wanted or len(wanted) > MAX_BATCH:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"1 to {MAX_BATCH} ids per request"
            )
        async with database.session_factory() as session:
            batch = await activity_store.get_activities(session, wanted)
        return ActivityBatch(items=[listed(a, partner_listed(a, stem_labels)) for a in batch])

    @router.get(
        "/{activity_id}",
        response_model=ActivitySnapshot,
        responses={404: {"description": "No such activity"}},
        summary="Get one activity",
    )
    async def get_activity(activity_id: str) -> ActivitySnapshot:
        async with database.session_factory() as session:
            found = await activity_store.get_activities(session, [activity_id.strip().lower()])
        if not found:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no activity {activity_id}")
        return to_snapshot(found[0])

    return router
