"""The registry service's read API, as the gateway uses it (the one place that knows it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import httpx
from pydantic import TypeAdapter

from gateway.adapters.http import Read, get, parse, path_id

SERVICE = "registry"


class AcademyRead(Read):
    id: str
    name: str
    demo: bool = False
    home_nis_code: str | None = None
    stem_partnership: str | None = None
    website: str | None = None


class MunicipalityRead(Read):
    nis_code: str
    name_nl: str
    province_nl: str


class DecisionRead(Read):
    academy_id: str
    status: str
    decided_on: date
    valid_from: date
    valid_until: date | None = None


@dataclass(frozen=True)
class AcademyFilters:
    name_contains: str | None = None
    home_nis_code: str | None = None
    stem_partnership: str | None = None
    recognised_on: date | None = None  # only the academies recognised that day


class StandingRead(Read):
    """An academy's recognition in force on a day and its roles of a year (issue 18)."""

    academy_id: str
    status: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    recognised: bool = False
    roles: list[str] = []


_ACADEMIES = TypeAdapter(list[AcademyRead])
_MUNICIPALITIES = TypeAdapter(list[MunicipalityRead])
_DECISIONS = TypeAdapter(list[DecisionRead])


async def academies_by_id(client: httpx.AsyncClient, ids: Sequence[str]) -> dict[str, AcademyRead]:
    """`GET /academies?ids=`: a list; unknown ids are left out."""
    response = await get(client, SERVICE, "/academies", ids=",".join(ids))
    found: list[AcademyRead] = parse(SERVICE, _ACADEMIES, response)
    return {academy.id: academy for academy in found}


async def academies_page(
    client: httpx.AsyncClient, filters: AcademyFilters, first: int, after: str | None
) -> tuple[list[AcademyRead], str | None]:
    """One page by name (`GET /academies?limit=&cursor=`) and the next page's cursor."""
    response = await get(
        client,
        SERVICE,
        "/academies",
        limit=first,
        cursor=after,
        name_contains=filters.name_contains,
        home_nis_code=filters.home_nis_code,
        stem_partnership=filters.stem_partnership,
        recognised_on=filters.recognised_on.isoformat() if filters.recognised_on else None,
    )
    found: list[AcademyRead] = parse(SERVICE, _ACADEMIES, response)
    return found, response.headers.get("X-Next-Cursor")


_STANDINGS = TypeAdapter(list[StandingRead])


async def standings(
    client: httpx.AsyncClient, ids: Sequence[str], on: date, year: int
) -> dict[str, StandingRead]:
    """`GET /recognition/standing?ids=&on=&year=`: by academy id, one call per batch."""
    response = await get(
        client, SERVICE, "/recognition/standing", ids=",".join(ids), on=on.isoformat(), year=year
    )
    found: list[StandingRead] = parse(SERVICE, _STANDINGS, response)
    return {standing.academy_id: standing for standing in found}


async def municipalities(
    client: httpx.AsyncClient, year: int, province: str | None
) -> list[MunicipalityRead]:
    """`GET /municipalities?year=&province=`: those valid on at least one day of the year."""
    response = await get(client, SERVICE, "/municipalities", year=year, province=province)
    found: list[MunicipalityRead] = parse(SERVICE, _MUNICIPALITIES, response)
    return found


async def reviews_due(client: httpx.AsyncClient, before: date) -> list[DecisionRead]:
    """`GET /recognition/reviews-due?before=`: recognitions running out, soonest first."""
    response = await get(client, SERVICE, "/recognition/reviews-due", before=before.isoformat())
    found: list[DecisionRead] = parse(SERVICE, _DECISIONS, response)
    return found


class ReportRead(Read):
    report_id: str
    academy_id: str
    year: int
    quarter: int | None = None
    participants: int
    under_14: int | None = None
    from_14: int | None = None
    reported_on: date


class CompletenessRead(Read):
    year: int
    recognised: int
    reported: int
    share: float | None = None
    not_reported: list[str] = []


_REPORTS = TypeAdapter(list[ReportRead])
_COMPLETENESS = TypeAdapter(CompletenessRead)


async def participant_reports(
    client: httpx.AsyncClient, academy_id: str, year: int | None
) -> list[ReportRead] | None:
    """`GET /academies/{id}/participant-reports?year=`: the reports in force; None: no academy."""
    path = f"/academies/{path_id('academyId', academy_id)}/participant-reports"
    response = await get(client, SERVICE, path, year=year)
    if response.status_code == 404:
        return None
    found: list[ReportRead] = parse(SERVICE, _REPORTS, response)
    return found


async def reporting_completeness(client: httpx.AsyncClient, year: int) -> CompletenessRead:
    """`GET /participant-reports/completeness?year=`: who of the recognised reported."""
    response = await get(client, SERVICE, "/participant-reports/completeness", year=year)
    found: CompletenessRead = parse(SERVICE, _COMPLETENESS, response)
    return found


class FollowUpRead(Read):
    """Why a municipality is not reached in a year and what follows (Q2b/c)."""

    nis_code: str
    year: int
    reason: str
    explanation: str | None = None
    initiative: str | None = None
    no_initiative_reason: str | None = None
    author: str
    recorded_at: datetime


_FOLLOW_UPS = TypeAdapter(list[FollowUpRead])


async def follow_ups(client: httpx.AsyncClient, year: int) -> list[FollowUpRead]:
    """`GET /municipality-follow-ups?year=`: every follow-up recorded for the year."""
    response = await get(client, SERVICE, "/municipality-follow-ups", year=year)
    found: list[FollowUpRead] = parse(SERVICE, _FOLLOW_UPS, response)
    return found
