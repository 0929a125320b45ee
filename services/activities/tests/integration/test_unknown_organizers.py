"""The STEM-kalender lists an activity only when its organizer is linked to an academy
(issue 15, item 5); the others are stored, and ops see their organizers with counts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from stemkit.contracts.registry import AcademyRegistered, AcademyUpdated
from stemkit.settings import DEV_OPS_TOKEN

Post = Callable[..., Awaitable[httpx.Response]]
Deliver = Callable[[Any], Awaitable[None]]
Load = Callable[[str], dict[str, Any]]
OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
ACADEMY = "7d0c2a8e-9d61-4f4b-9a63-1f2f3f4e5a6b"
ACADEMYS_ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
MUSEUMPAS = "9a9a9a9a-0000-4000-8000-0000000000aa"  # a "Testing Museumpas" organizer


def event(load_event: Load, n: int, organizer: str, name: str) -> dict[str, Any]:
    document = load_event("original")
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["name"] = {"nl": name}
    document["workflowStatus"] = "APPROVED"
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{organizer}"}
    document.pop("audience", None)
    return document


def listed(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return sorted(int(item["activity_id"][-12:]) for item in response.json()["items"])


async def test_an_unlinked_organizers_event_is_stored_not_listed_and_shown_to_ops(
    client: httpx.AsyncClient, post_document: Post, deliver: Deliver, load_event: Load
) -> None:
    await deliver(
        AcademyRegistered(academy_id=ACADEMY, name="A", uit_organizer_ids=[ACADEMYS_ORGANIZER])
    )
    await post_document(event(load_event, 1, ACADEMYS_ORGANIZER, "Robotkamp"))
    await post_document(event(load_event, 2, MUSEUMPAS, "Testing Museumpas event"))
    await post_document(event(load_event, 3, MUSEUMPAS, "Testing Museumpas event 2"))
    second = event(load_event, 3, MUSEUMPAS, "Testing Museumpas event 2")
    second["modified"] = "2030-01-01T00:00:00+00:00"  # a later version: a second delivery
    await post_document(second)

    assert listed(await client.get("/activities")) == [1]
    # Stored all the same: by id it is there.
    by_id = await client.get("/activities", params={"ids": f"00000000-0000-4000-8000-{2:012d}"})
    assert [item["name"] for item in by_id.json()["items"]] == ["Testing Museumpas event"]

    assert (await client.get("/organizers/unknown")).status_code == 403  # read scope only
    answer = await client.get("/organizers/unknown", headers=OPS)
    assert answer.status_code == 200, answer.text
    [unknown] = answer.json()
    assert unknown["organizer_id"] == MUSEUMPAS
    assert (unknown["activities"], unknown["deliveries"]) == (2, 3)
    assert unknown["last_seen"]

    # Ops link it to the academy (a registry write; its event arrives here): listed at once.
    await deliver(
        AcademyUpdated(
            academy_id=ACADEMY, name="A", uit_organizer_ids=[ACADEMYS_ORGANIZER, MUSEUMPAS]
        )
    )
    assert listed(await client.get("/activities")) == [1, 2, 3]
    assert (await client.get("/organizers/unknown", headers=OPS)).json() == []
