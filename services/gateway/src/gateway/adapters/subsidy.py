"""The subsidy service's read API, as the gateway uses it (the one place that knows it)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx
from pydantic import TypeAdapter

from gateway.adapters.http import Read, get, parse, path_id, post

SERVICE = "subsidy"


class ReachRead(Read):
    academy_id: str
    year: int
    nis_code: str
    activity_ids: list[str] = []


_REACH = TypeAdapter(list[ReachRead])


async def reach_by_academy(
    client: httpx.AsyncClient, academy_ids: Sequence[str]
) -> dict[str, list[ReachRead]]:
    """`GET /reach?academy_ids=`: every year, grouped per academy."""
    response = await get(client, SERVICE, "/reach", academy_ids=",".join(academy_ids))
    found: list[ReachRead] = parse(SERVICE, _REACH, response)
    grouped: dict[str, list[ReachRead]] = {academy_id: [] for academy_id in academy_ids}
    for reach in found:
        grouped.setdefault(reach.academy_id, []).append(reach)
    return grouped


class ProvinceCoverageRead(Read):
    province: str
    reached: int
    total: int
    reached_nis_codes: list[str] = []
    not_reached_nis_codes: list[str] = []


class UnrecognisedRead(Read):
    """Reach of academies without a recognition in force: counted apart, never paid."""

    activities: int = 0
    academy_ids: list[str] = []
    nis_codes: list[str] = []
    only_these: list[str] = []  # reached by no recognised academy


class CoverageRead(Read):
    year: int
    reached: int
    total: int
    provinces: list[ProvinceCoverageRead]
    # Which academies the figures count (stem/coverage/academies_counted) and why.
    academies_counted: str = "recognised"
    rule: str = ""
    unrecognised: UnrecognisedRead = UnrecognisedRead()


class NearAcademyRead(Read):
    academy_id: str
    name: str | None = None
    km: float


class NotReachedRead(Read):
    nis_code: str
    name: str
    province: str
    nearest_active_academies: list[NearAcademyRead] = []


class MunicipalityReachRead(Read):
    nis_code: str
    academy_ids: list[str] = []


class SubsidyRead(Read):
    run_id: str
    year: int
    academy_id: str
    role: str
    call_id: str
    paid_eur: Decimal
    illustrative: bool


class RunRead(Read):
    run_id: str
    year: int
    created_at: str
    trigger: str
    rules_version: str


_COVERAGE = TypeAdapter(CoverageRead)
_NOT_REACHED = TypeAdapter(list[NotReachedRead])
_BY_MUNICIPALITY = TypeAdapter(list[MunicipalityReachRead])
_SUBSIDIES = TypeAdapter(list[SubsidyRead])
_RUNS = TypeAdapter(list[RunRead])
_JSON = TypeAdapter(dict[str, Any])


async def coverage(client: httpx.AsyncClient, year: int) -> CoverageRead:
    """`GET /coverage?year=`: reached / total, per province, with the NIS codes."""
    found: CoverageRead = parse(
        SERVICE, _COVERAGE, await get(client, SERVICE, "/coverage", year=year)
    )
    return found


async def not_reached(client: httpx.AsyncClient, year: int) -> list[NotReachedRead]:
    """`GET /not-reached?year=`: with the nearest academies active that year."""
    response = await get(client, SERVICE, "/not-reached", year=year)
    found: list[NotReachedRead] = parse(SERVICE, _NOT_REACHED, response)
    return found


async def reached_by(client: httpx.AsyncClient, year: int) -> dict[str, list[str]]:
    """`GET /reach/by-municipality?year=`: NIS code -> the academies that reached it."""
    response = await get(client, SERVICE, "/reach/by-municipality", year=year)
    found: list[MunicipalityReachRead] = parse(SERVICE, _BY_MUNICIPALITY, response)
    return {m.nis_code: list(m.academy_ids) for m in found}


async def subsidies(
    client: httpx.AsyncClient, year: int, academy_id: str | None, role: str | None
) -> list[SubsidyRead] | None:
    """`GET /subsidies?year=&academy_id=&role=`: from the year's latest run; None: no run."""
    response = await get(client, SERVICE, "/subsidies", year=year, academy_id=academy_id, role=role)
    if response.status_code == 404:
        return None
    found: list[SubsidyRead] = parse(SERVICE, _SUBSIDIES, response)
    return found


async def runs(client: httpx.AsyncClient, year: int | None) -> list[RunRead]:
    """`GET /calculations?year=`: the stored calculation runs."""
    found: list[RunRead] = parse(
        SERVICE, _RUNS, await get(client, SERVICE, "/calculations", year=year)
    )
    return found


async def explanation(
    client: httpx.AsyncClient, run_id: str, academy_id: str
) -> dict[str, Any] | None:
    """`GET /calculations/{run}/explanation?academy_id=`: each euro, its rule and parameters."""
    path = f"/calculations/{path_id('runId', run_id)}/explanation"
    response = await get(client, SERVICE, path, academy_id=academy_id)
    if response.status_code == 404:
        return None
    found: dict[str, Any] = parse(SERVICE, _JSON, response)
    return found


async def diff(client: httpx.AsyncClient, from_run: str, to_run: str) -> dict[str, Any] | None:
    """`GET /calculations/diff?from_run=&to_run=`: what changed, line by line, and why."""
    response = await get(client, SERVICE, "/calculations/diff", from_run=from_run, to_run=to_run)
    if response.status_code == 404:
        return None
    found: dict[str, Any] = parse(SERVICE, _JSON, response)
    return found


async def what_if(
    client: httpx.AsyncClient, year: int, parameters: dict[str, Any]
) -> dict[str, Any]:
    """`POST /what-if`: the year's calculation with changed parameters; nothing is stored."""
    response = await post(client, SERVICE, "/what-if", {"year": year, "parameters": parameters})
    found: dict[str, Any] = parse(SERVICE, _JSON, response)
    return found


class ChangesRead(Read):
    """`GET /reach/changes`: NIS codes newly reached and dropped between two years."""

    from_year: int
    to_year: int
    newly_reached: list[str] = []
    dropped: list[str] = []


class CallRead(Read):
    """`GET /calls`: a call known for the year and the role it pays."""

    call_id: str
    year: int
    role: str
    source: str = ""


_CHANGES = TypeAdapter(ChangesRead)
_CALLS = TypeAdapter(list[CallRead])


async def reach_changes(
    client: httpx.AsyncClient, from_year: int, to_year: int, boundaries_of: int | None
) -> ChangesRead:
    """Newly reached and dropped from `from_year` to `to_year`, both years on the
    municipalities of `boundaries_of` when given (across the 2025 mergers)."""
    response = await get(
        client,
        SERVICE,
        "/reach/changes",
        from_year=from_year,
        to_year=to_year,
        boundaries_of=boundaries_of,
    )
    found: ChangesRead = parse(SERVICE, _CHANGES, response)
    return found


async def calls(client: httpx.AsyncClient, year: int) -> list[CallRead]:
    """The subsidy calls (rules) known for the year; none: its subsidies cannot be known."""
    found: list[CallRead] = parse(SERVICE, _CALLS, await get(client, SERVICE, "/calls", year=year))
    return found
