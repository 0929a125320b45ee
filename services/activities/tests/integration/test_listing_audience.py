"""School-only events (UiT audienceType education) are stored but not listed on the public
STEM-kalender (issue 15); everyone and members events are listed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

Ingest = Callable[[Any], Awaitable[str]]
Load = Callable[[str], dict[str, Any]]


def _event(load_event: Load, n: int, audience: str | None) -> dict[str, Any]:
    document = load_event("original")
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["startDate"] = "2025-03-01T10:00:00+01:00"
    document["endDate"] = "2025-03-01T12:00:00+01:00"
    document["workflowStatus"] = "APPROVED"
    document.pop("audience", None)
    if audience is not None:
        document["audience"] = {"audienceType": audience}
    return document


async def test_school_only_events_are_not_listed(
    client: httpx.AsyncClient, ingest: Ingest, load_event: Load
) -> None:
    for n, audience in enumerate([None, "everyone", "members", "education"], start=1):
        await ingest(_event(load_event, n, audience))
    answer = await client.get("/activities")
    assert answer.status_code == 200, answer.text
    listed = sorted(int(item["activity_id"][-12:]) for item in answer.json()["items"])
    assert listed == [1, 2, 3]
