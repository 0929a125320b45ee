"""The activities service's read API, as the gateway uses it (the one place that knows it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import httpx
from pydantic import TypeAdapter

from gateway.adapters.http import Read, get, parse

SERVICE = "activities"


class OccurrenceRead(Read):
    start: datetime
    end: datetime | None = None


class LocationRead(Read):
    name: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    nis_code: str | None = None


class ActivityRead(Read):
    activity_id: str
    name: str
    organizer_id: str | None = None
    academy_id: str | None = None
    occurrences: list[OccurrenceRead] = []
    location: LocationRead = LocationRead()
    theme_ids: list[str] = []
    status: str = "available"


class _ActivityBatch(Read):
    items: list[ActivityRead]


_BATCH = TypeAdapter(_ActivityBatch)


async def activities_by_id(
    client: httpx.AsyncClient, ids: Sequence[str]
) -> dict[str, ActivityRead]:
    """`GET /activities?ids=`: `{items: [...]}`, unknown ids left out.

    Keyed in lower case: the activities service stores UiTdatabank ids in lower case.
    """
    response = await get(client, SERVICE, "/activities", ids=",".join(ids))
    batch: _ActivityBatch = parse(SERVICE, _BATCH, response)
    return {activity.activity_id.lower(): activity for activity in batch.items}
