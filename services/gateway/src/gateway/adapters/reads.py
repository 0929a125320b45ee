"""Batch reads of the upstream services, parsed into the gateway's own read models.

The gateway copies only the fields it serves (tolerant reader: unknown fields are ignored),
so an upstream may add fields without breaking it. Every function makes ONE HTTP call for
the whole batch; the DataLoaders keep batches within the upstreams' size limit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from gateway.adapters.upstreams import UpstreamError

log = logging.getLogger(__name__)

MAX_BATCH = 100  # what the registry and activities services accept per `?ids=` request


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AcademyRead(_Read):
    id: str
    name: str
    demo: bool = False


class OccurrenceRead(_Read):
    start: datetime
    end: datetime | None = None


class LocationRead(_Read):
    name: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    nis_code: str | None = None


class ActivityRead(_Read):
    activity_id: str
    name: str
    organizer_id: str | None = None
    academy_id: str | None = None
    occurrences: list[OccurrenceRead] = []
    location: LocationRead = LocationRead()
    theme_ids: list[str] = []
    status: str = "available"


class ReachRead(_Read):
    academy_id: str
    year: int
    nis_code: str
    activity_ids: list[str] = []


class _ActivityBatch(_Read):
    items: list[ActivityRead]


async def _get_json(client: httpx.AsyncClient, service: str, path: str, **params: str) -> Any:
    try:
        response = await client.get(path, params=params)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("upstream %s failed: %s: %s", service, type(exc).__name__, exc)
        raise UpstreamError(service) from exc


def _parse(service: str, model: TypeAdapter[Any], body: Any) -> Any:
    try:
        return model.validate_python(body)
    except ValidationError as exc:
        log.warning("upstream %s answered an unexpected shape: %s", service, exc)
        raise UpstreamError(service) from exc


_ACADEMIES = TypeAdapter(list[AcademyRead])
_ACTIVITIES = TypeAdapter(_ActivityBatch)
_REACH = TypeAdapter(list[ReachRead])


async def academies_by_id(client: httpx.AsyncClient, ids: Sequence[str]) -> dict[str, AcademyRead]:
    """`GET /academies?ids=` of the registry: a list; unknown ids are left out."""
    body = await _get_json(client, "registry", "/academies", ids=",".join(ids))
    found: list[AcademyRead] = _parse("registry", _ACADEMIES, body)
    return {academy.id: academy for academy in found}


async def activities_by_id(
    client: httpx.AsyncClient, ids: Sequence[str]
) -> dict[str, ActivityRead]:
    """`GET /activities?ids=` of the activities service: `{items: [...]}`, unknown left out.

    Keyed in lower case: the activities service stores UiTdatabank ids in lower case.
    """
    body = await _get_json(client, "activities", "/activities", ids=",".join(ids))
    batch: _ActivityBatch = _parse("activities", _ACTIVITIES, body)
    return {activity.activity_id.lower(): activity for activity in batch.items}


async def reach_by_academy(
    client: httpx.AsyncClient, academy_ids: Sequence[str]
) -> dict[str, list[ReachRead]]:
    """`GET /reach?academy_ids=` of the subsidy service: every year, grouped per academy."""
    body = await _get_json(client, "subsidy", "/reach", academy_ids=",".join(academy_ids))
    found: list[ReachRead] = _parse("subsidy", _REACH, body)
    grouped: dict[str, list[ReachRead]] = {academy_id: [] for academy_id in academy_ids}
    for reach in found:
        grouped.setdefault(reach.academy_id, []).append(reach)
    return grouped
