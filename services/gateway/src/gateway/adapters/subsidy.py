"""The subsidy service's read API, as the gateway uses it (the one place that knows it)."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from pydantic import TypeAdapter

from gateway.adapters.http import Read, get, parse

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
