"""What the pages read besides GraphQL, through the gateway's upstream clients: the map's
boundaries (registry), newly reached and dropped municipalities (subsidy), the consumers'
lag and the poller's last sync (activities, subsidy; ops token).
None of it is partner data, so none of it is in the GraphQL schema."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
from pydantic import TypeAdapter

from gateway.adapters import subsidy
from gateway.adapters.http import Read, get_many, parse
from gateway.adapters.subsidy import ChangesRead
from gateway.adapters.upstreams import UpstreamError
from gateway.ops_web.svgmap import Drawing, draw

FIRST_YEAR = 2019
MERGERS_YEAR = 2025  # the 2025 boundaries differ from those of 2019-2024
BOUNDARIES_TIMEOUT = 30.0  # seconds


_JSON = TypeAdapter(dict[str, Any])


def period_of(year: int) -> int:
    return MERGERS_YEAR if year >= MERGERS_YEAR else FIRST_YEAR


class Maps:
    """The drawn map of each boundary period, kept for the process's life: the registry's
    boundary files never change while it runs (a new period is a new release)."""

    def __init__(self) -> None:
        self._drawn: dict[int, Drawing] = {}
        self._lock = asyncio.Lock()

    async def of_year(self, registry: httpx.AsyncClient, year: int) -> Drawing:
        period = period_of(year)
        async with self._lock:
            if period not in self._drawn:
                found: dict[str, Any] = parse("registry", _JSON, await _boundaries(registry, year))
                self._drawn[period] = draw(found["features"])
            return self._drawn[period]


async def _boundaries(registry: httpx.AsyncClient, year: int) -> httpx.Response:
    """`GET /municipalities/boundaries?year=`, with more time than other reads: the registry
    simplifies a period's 300 polygons on its first request (once per process)."""
    request = registry.build_request(
        "GET", "/municipalities/boundaries", params={"year": year}, timeout=BOUNDARIES_TIMEOUT
    )
    try:
        response = await registry.send(request)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise UpstreamError("registry") from exc
    return response


async def changes(client: httpx.AsyncClient, year: int) -> ChangesRead:
    """Newly reached and dropped against the year before; across the 2025 mergers both
    years on the 2025 municipalities."""
    crossing = period_of(year - 1) != period_of(year)
    return await subsidy.reach_changes(client, year - 1, year, year if crossing else None)


class PartitionLagRead(Read):
    topic: str
    partition: int
    committed: int
    end: int
    lag: int


class GroupLagRead(Read):
    group: str
    total: int
    partitions: list[PartitionLagRead] = []


class PollerCursorRead(Read):
    kind: str
    cursor: datetime
    updated_at: datetime


_LAG = TypeAdapter(GroupLagRead)
_POLLER = TypeAdapter(list[PollerCursorRead])


async def consumer_lag(client: httpx.AsyncClient, service: str, ops_token: str) -> GroupLagRead:
    """`GET /consumer-lag` (ops token) of a service with a consumer: its group's lag."""
    headers = {"Authorization": f"Bearer {ops_token}"}
    response = await get_many(client, service, "/consumer-lag", [], headers=headers)
    found: GroupLagRead = parse(service, _LAG, response)
    return found


async def poller_status(client: httpx.AsyncClient, ops_token: str) -> list[PollerCursorRead]:
    """`GET /poller/status` (ops token) of the activities service: the poller's cursors."""
    headers = {"Authorization": f"Bearer {ops_token}"}
    response = await get_many(client, "activities", "/poller/status", [], headers=headers)
    found: list[PollerCursorRead] = parse("activities", _POLLER, response)
    return found
