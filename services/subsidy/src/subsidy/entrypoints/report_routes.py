"""Read API for the evaluation questions: coverage (`service_layer/coverage_report.py`),
spread (`service_layer/spread.py`), the calls of a year and the subsidies paid
(`service_layer/subsidies.py`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from stemkit.access.auth import OPS
from subsidy.config import Settings
from subsidy.domain.calls import calls_of
from subsidy.domain.coverage import YearComparison
from subsidy.entrypoints.deps import SessionDep
from subsidy.service_layer import coverage_report as reports
from subsidy.service_layer.coverage_report import (
    CoverageView,
    MunicipalityReachView,
    NotReachedView,
)
from subsidy.service_layer.spread import SpreadView, spread_of
from subsidy.service_layer.subsidies import SubsidyView
from subsidy.service_layer.subsidies import subsidies as subsidies_of

YearQuery = Annotated[int, Query(ge=2019, le=2100)]


class CallView(BaseModel):
    call_id: str
    year: int
    role: str
    source: str  # the source ids of subsidy-rules.md
    formula: str  # the formula, as its docstring states it


def report_router(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["reports"])
    _add_coverage_routes(router)
    _add_payment_routes(router, settings)
    return router


def _add_coverage_routes(router: APIRouter) -> None:
    """Q1: what the year's reach covers, and the spread of the activities behind it."""

    @router.get("/coverage")
    async def coverage(session: SessionDep, year: YearQuery) -> CoverageView:
        """Municipalities reached / total in a year, per province, with the lists (the
        municipalities of that year)."""
        return await reports.coverage_of(session, year)

    @router.get("/not-reached")
    async def not_reached(
        session: SessionDep,
        year: YearQuery,
        nearest: Annotated[int, Query(ge=0, le=10)] = 3,
    ) -> list[NotReachedView]:
        """Municipalities not reached, per province, with the nearest academies active that
        year (distance between municipality centroids)."""
        return await reports.not_reached(session, year, nearest)

    @router.get("/reach/by-municipality")
    async def reach_by_municipality(
        session: SessionDep,
        year: YearQuery,
        province: Annotated[str | None, Query(description="e.g. Antwerpen")] = None,
    ) -> list[MunicipalityReachView]:
        """Every municipality of the year (optionally of one province) with the academies
        that reached it; an empty list: not reached."""
        return await reports.reached_by(session, year, province)

    @router.get("/reach/changes")
    async def changes(
        session: SessionDep,
        from_year: YearQuery,
        to_year: YearQuery,
        boundaries_of: Annotated[int | None, Query(ge=2019, le=2100)] = None,
    ) -> YearComparison:
        """Newly reached and dropped municipalities between two years; with `boundaries_of`
        (e.g. 2025) both years are mapped onto that year's municipalities first."""
        return await reports.changes_between(session, from_year, to_year, boundaries_of)

    @router.get("/spread")
    async def spread(session: SessionDep, year: YearQuery) -> SpreadView:
        """Themes and age groups (under 14, 14 and over) of the activities that prove reach."""
        return await spread_of(session, year)


def _add_payment_routes(router: APIRouter, settings: Settings) -> None:
    """The calls of a year and what the latest run pays (ops)."""

    @router.get("/calls")
    async def calls(year: YearQuery) -> list[CallView]:
        """The subsidy calls known for a year, with the role each pays; empty: no call is
        known (2022 and from 2024), so that year's subsidies cannot be calculated."""
        return [
            CallView(
                call_id=c.call_id,
                year=c.year,
                role=c.role,
                source=c.source,
                formula=(c.formula.__doc__ or "").strip(),
            )
            for c in calls_of(year)
        ]

    @router.get("/subsidies", dependencies=[settings.doorkeeper().require(OPS)])
    async def subsidies(
        session: SessionDep,
        year: YearQuery,
        role: str | None = None,
        academy_id: str | None = None,
    ) -> list[SubsidyView]:
        """Subsidies per academy, role and call, from the year's latest stored run."""
        found = await subsidies_of(session, year, role, academy_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no calculation run for {year} yet")
        return found
