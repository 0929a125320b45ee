"""`GET /reach/unrecognised`: one academy's reach of a year that only a missing
recognition keeps out, per activity, with the session days (tag "reach", read scope like
`/reach`; issue 21). The gateway's academy self-service shows it to the academy's own
coordinator as "not recognised on that date"."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from subsidy.entrypoints.deps import SessionDep
from subsidy.service_layer.unrecognised_of_academy import kept_out


class UnrecognisedActivity(BaseModel):
    activity_id: str
    nis_codes: list[str] = Field(description="Municipalities it would prove that year")
    postal_codes: list[str]
    days: list[date] = Field(description="Its sessions on days without a recognition in force")
    recognition_status: str | None = Field(
        description="The academy's status on the first of those days (expired, refused, ...); "
        "null: no recognition decision at all"
    )


class UnrecognisedPage(BaseModel):
    academy_id: str
    year: int
    items: list[UnrecognisedActivity]
    next_after: str | None = Field(description="Pass as `after` for the next page")


def unrecognised_router() -> APIRouter:
    router = APIRouter(tags=["reach"])

    @router.get("/reach/unrecognised", response_model=UnrecognisedPage)
    async def unrecognised_of_academy(
        session: SessionDep,
        academy_id: Annotated[str, Query(min_length=1, max_length=64)],
        year: Annotated[int, Query(ge=2019, le=2100)],
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        after: Annotated[str | None, Query(max_length=64)] = None,
    ) -> UnrecognisedPage:
        """The academy's activities whose reach in `year` is counted apart: they would
        prove it if the academy had been recognised on their dates."""
        found = await kept_out(session, academy_id, year, limit=limit, after=after)
        items = [
            UnrecognisedActivity(
                activity_id=k.activity_id,
                nis_codes=list(k.nis_codes),
                postal_codes=list(k.postal_codes),
                days=list(k.days),
                recognition_status=k.status,
            )
            for k in found
        ]
        next_after = found[-1].activity_id if len(found) == limit else None
        return UnrecognisedPage(
            academy_id=academy_id, year=year, items=items, next_after=next_after
        )

    return router
