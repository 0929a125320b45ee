"""Ops reads of an academy's UiTdatabank activities that prove no reach here, and why
(tag "not-counted", a token with the ops scope; issue 21). The gateway's academy
self-service shows them to the academy's own coordinator.

- `/not-counted/without-municipality`: the academy's activities with sessions whose place
  resolves to no Flemish municipality on their date (no address, unknown postal code,
  outside Flanders, none on that date).
- `/not-counted/quarantined`: quarantined deliveries of the academy's organizers, with the
  quarantine's reason (not the raw body: that stays on `/quarantine`).

Activities of organizers linked to no academy are `/organizers/unknown`; reach kept out by
a missing recognition is the subsidy service's `/reach/unrecognised`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from activities.adapters import not_counted
from activities.config import Settings
from stemkit.access.auth import OPS
from stemkit.storage.db import Database

AcademyId = Annotated[str, Query(min_length=1, max_length=64, description="The academy")]
Limit = Annotated[int, Query(ge=1, le=500)]
After = Annotated[str | None, Query(max_length=255, description="next_after of the page before")]


class WithoutMunicipality(BaseModel):
    activity_id: str
    name: str | None
    organizer_id: str | None
    reason: Literal["no_address", "unknown_postal_code", "outside_flanders", "not_on_date"] = Field(
        description="no_address: online, 'with the school', or no postal code; "
        "unknown_postal_code: not in the registry's postal codes; outside_flanders: "
        "abroad, Brussels or Wallonia; not_on_date: the postal code has no municipality "
        "on the session's date"
    )
    detail: str | None = Field(description="The resolver's own words, when it gave them")
    postal_code: str | None
    locality: str | None
    country: str | None
    sessions: int = Field(description="Its sessions without a Flemish municipality")
    first_session: datetime


class WithoutMunicipalityPage(BaseModel):
    items: list[WithoutMunicipality]
    next_after: str | None = Field(description="Pass as `after` for the next page")


class QuarantinedOfAcademy(BaseModel):
    webhook_id: str = Field(description="The delivery (as on /quarantine)")
    kind: str | None = Field(description="event | place | organizer, when readable")
    item_id: str | None = Field(description="The UiTdatabank id it is about, when readable")
    name: str | None = Field(description="The document's name, when it holds one")
    organizer_id: str = Field(description="The academy's organizer it is attributed to")
    reason: str | None = Field(description="Why it is not an activity")
    received_at: datetime | None


class QuarantinedOfAcademyPage(BaseModel):
    items: list[QuarantinedOfAcademy]
    next_after: str | None = Field(
        description="Pass as `after`: more quarantined deliveries to examine (a page may "
        "hold fewer items than `limit`, even none)"
    )


def not_counted_router(database: Database, settings: Settings) -> APIRouter:
    router = APIRouter(
        prefix="/not-counted",
        tags=["not-counted"],
        dependencies=[settings.doorkeeper().require(OPS)],
    )

    @router.get(
        "/without-municipality",
        response_model=WithoutMunicipalityPage,
        summary="An academy's activities with sessions in no Flemish municipality",
    )
    async def without_municipality(
        academy_id: AcademyId,
        year: Annotated[int | None, Query(ge=2000, le=2100, description="Sessions in")] = None,
        limit: Limit = 100,
        after: After = None,
    ) -> WithoutMunicipalityPage:
        async with database.session_factory() as session:
            found = await not_counted.without_municipality(
                session, academy_id, year, limit=limit, after=after
            )
        items = [WithoutMunicipality(**vars(u)) for u in found]
        next_after = found[-1].activity_id if len(found) == limit else None
        return WithoutMunicipalityPage(items=items, next_after=next_after)

    @router.get(
        "/quarantined",
        response_model=QuarantinedOfAcademyPage,
        summary="Quarantined deliveries of an academy's organizers",
    )
    async def quarantined(
        academy_id: AcademyId, limit: Limit = 100, after: After = None
    ) -> QuarantinedOfAcademyPage:
        """Examines up to `limit` quarantined deliveries per page, in id order."""
        async with database.session_factory() as session:
            found, next_after = await not_counted.quarantined_of(
                session, academy_id, limit=limit, after=after
            )
        items = [QuarantinedOfAcademy(**vars(q)) for q in found]
        return QuarantinedOfAcademyPage(items=items, next_after=next_after)

    return router
