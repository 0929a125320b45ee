"""The activities service's read API, as the gateway uses it (the one place that knows it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx
from pydantic import TypeAdapter

from gateway.adapters.http import Read, get, get_many, parse
from stemkit.contracts.activities import Calendar
from stemkit.contracts.activity_details import ActivityDetails

SERVICE = "activities"


class OccurrenceRead(Read):
    start: datetime
    end: datetime | None = None
    status: str | None = None


class LocationRead(Read):
    name: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    country: str | None = None
    nis_code: str | None = None
    kind: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class ActivityRead(Read):
    activity_id: str
    name: str
    organizer_id: str | None = None
    academy_id: str | None = None
    occurrences: list[OccurrenceRead] = []
    location: LocationRead = LocationRead()
    theme_ids: list[str] = []
    status: str = "available"
    age_min: int | None = None
    age_max: int | None = None
    modified: datetime | None = None
    public: bool = True
    workflow_status: str | None = None
    audience: str | None = None
    listed: bool | None = None  # the activities service's own listing rule (issue 18)
    calendar: Calendar | None = None  # periodic and permanent: the rules of the sessions
    details: ActivityDetails | None = None  # what partners show (issue 18)


def listed(activity: ActivityRead) -> bool:
    """Whether the STEM-kalender lists it, what a partner may see by id too: the activities
    service's answer (`listed`, its own rule with its STEM labels), else the rule as the
    gateway knows it: public, not withdrawn, not school-only, and of an academy (issue 15)."""
    if activity.listed is not None:
        return activity.listed
    return (
        activity.academy_id is not None
        and activity.public
        and activity.workflow_status not in ("REJECTED", "DELETED")
        and activity.audience != "education"
    )


class _ActivityBatch(Read):
    items: list[ActivityRead]
    next_cursor: str | None = None


@dataclass(frozen=True)
class ActivityFilters:
    start: datetime | None = None
    end: datetime | None = None
    province: str | None = None
    nis_codes: tuple[str, ...] = ()
    academy_id: str | None = None
    theme_ids: tuple[str, ...] = ()
    age: int | None = None
    text: str | None = None


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


async def list_activities(
    client: httpx.AsyncClient, filters: ActivityFilters, first: int, after: str | None
) -> tuple[list[ActivityRead], str | None]:
    """`GET /activities?from=&to=&province=&nis_code=&academy_id=&theme_id=&age=&q=&limit=&
    cursor=`: one page of the STEM-kalender in (first start, id) order, and the next cursor."""
    params: list[tuple[str, str]] = [("limit", str(first))]
    single = {
        "from": filters.start.isoformat() if filters.start else None,
        "to": filters.end.isoformat() if filters.end else None,
        "province": filters.province,
        "academy_id": filters.academy_id,
        "age": None if filters.age is None else str(filters.age),
        "q": filters.text,
        "cursor": after,
    }
    params += [(name, value) for name, value in single.items() if value is not None]
    params += [("nis_code", code) for code in filters.nis_codes]
    params += [("theme_id", theme) for theme in filters.theme_ids]
    response = await get_many(client, SERVICE, "/activities", params)
    page: _ActivityBatch = parse(SERVICE, _BATCH, response)
    return page.items, page.next_cursor


class QuarantinedRead(Read):
    webhook_id: str
    source: str | None = None
    reason: str | None = None
    received_at: datetime | None = None
    attempts: int = 0
    body: str = ""


class QuarantinePageRead(Read):
    items: list[QuarantinedRead]
    total: int
    next_after: str | None = None


_QUARANTINE = TypeAdapter(QuarantinePageRead)


async def quarantine(
    client: httpx.AsyncClient, token: str, first: int, after: str | None
) -> QuarantinePageRead:
    """`GET /quarantine?limit=&after=` (the ops scope: the gateway's own service token)."""
    params = [("limit", str(first))] + ([("after", after)] if after else [])
    headers = {"Authorization": f"Bearer {token}"}
    response = await get_many(client, SERVICE, "/quarantine", params, headers=headers)
    found: QuarantinePageRead = parse(SERVICE, _QUARANTINE, response)
    return found


class UnknownOrganizerRead(Read):
    organizer_id: str
    name: str | None = None
    activities: int
    deliveries: int
    last_seen: datetime


_UNKNOWN_ORGANIZERS = TypeAdapter(list[UnknownOrganizerRead])


async def unknown_organizers(
    client: httpx.AsyncClient, token: str, first: int
) -> list[UnknownOrganizerRead]:
    """`GET /organizers/unknown?limit=` (ops scope): organizers that send, linked to no
    academy, their activities stored but not listed (issue 15)."""
    headers = {"Authorization": f"Bearer {token}"}
    params = [("limit", str(first))]
    response = await get_many(client, SERVICE, "/organizers/unknown", params, headers=headers)
    found: list[UnknownOrganizerRead] = parse(SERVICE, _UNKNOWN_ORGANIZERS, response)
    return found
