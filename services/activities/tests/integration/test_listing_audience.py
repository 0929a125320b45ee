"""School-only events (UiT audienceType education) are stored but not listed on the public
STEM-kalender (issue 15); everyone and members events are listed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from stemkit.contracts.registry import AcademyRegistered

Ingest = Callable[[Any], Awaitable[str]]
Deliver = Callable[[Any], Awaitable[None]]
ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"  # an academy's: listed (issue 15)
Load = Callable[[str], dict[str, Any]]


def _event(load_event: Load, n: int, audience: str | None) -> dict[str, Any]:
    document = load_event("original")
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["startDate"] = "2025-03-01T10:00:00+01:00"
    document["endDate"] = "2025-03-01T12:00:00+01:00"
    document["workflowStatus"] = "APPROVED"
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{ORGANIZER}"}
    document.pop("audience", None)
    if audience is not None:
        document["audience"] = {"audienceType": audience}
    return document


async def test_school_only_events_are_not_listed(
    client: httpx.AsyncClient, ingest: Ingest, deliver: Deliver, load_event: Load
) -> None:
    await deliver(AcademyRegistered(academy_id="a", name="A", uit_organizer_ids=[ORGANIZER]))
    for n, audience in enumerate([None, "everyone", "members", "education"], start=1):
        await ingest(_event(load_event, n, audience))
    answer = await client.get("/activities")
    assert answer.status_code == 200, answer.text
    listed = sorted(int(item["activity_id"][-12:]) for item in answer.json()["items"])
    assert listed == [1, 2, 3]
