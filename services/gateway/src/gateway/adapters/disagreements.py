"""The activities service's ops read of places whose coordinates and postal code disagree
(`GET /places/disagreements`, ops scope; issue 15)."""

from __future__ import annotations

from datetime import date

import httpx
from pydantic import TypeAdapter

from gateway.adapters.http import Read, get_many, parse

SERVICE = "activities"


class DisagreementRead(Read):
    first: date | None = None
    last: date | None = None
    nis_code: str | None = None
    disagreement: str


class DisagreeingActivityRead(Read):
    activity_id: str
    name: str
    academy_id: str | None = None
    organizer_id: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    periods: list[DisagreementRead] = []


class DisagreementsRead(Read):
    count: int
    items: list[DisagreeingActivityRead]


_DISAGREEMENTS = TypeAdapter(DisagreementsRead)


async def place_disagreements(
    client: httpx.AsyncClient, token: str, first: int
) -> DisagreementsRead:
    headers = {"Authorization": f"Bearer {token}"}
    params = [("limit", str(first))]
    response = await get_many(client, SERVICE, "/places/disagreements", params, headers=headers)
    found: DisagreementsRead = parse(SERVICE, _DISAGREEMENTS, response)
    return found
