"""By id, each activity says whether the STEM-kalender lists it (`listed`, issue 18): the
same rule as the listing's SQL (`partner_visible`), so the gateway gives a partner an
activity by id exactly when the calendar would show it. PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from activities.config import Settings
from stemkit.contracts.registry import AcademyRegistered

Post = Callable[..., Awaitable[httpx.Response]]
Deliver = Callable[[Any], Awaitable[None]]
Load = Callable[[str], dict[str, Any]]
ACADEMY = "7d0c2a8e-9d61-4f4b-9a63-1f2f3f4e5a6b"
ACADEMYS_ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
MUSEUM = "9a9a9a9a-0000-4000-8000-0000000000bb"  # linked to no academy


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"stem_labels": ["stem-academie"]})


def event(load_event: Load, n: int, organizer: str, **changes: Any) -> dict[str, Any]:
    document = load_event("original")
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["workflowStatus"] = "APPROVED"
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{organizer}"}
    for key in ("audience", "labels", "hiddenLabels"):
        document.pop(key, None)
    document.update(changes)
    return document


async def test_listed_by_id_is_the_listing_s_rule(
    client: httpx.AsyncClient, post_document: Post, deliver: Deliver, load_event: Load
) -> None:
    await deliver(
        AcademyRegistered(academy_id=ACADEMY, name="A", uit_organizer_ids=[ACADEMYS_ORGANIZER])
    )
    documents = [
        event(load_event, 1, ACADEMYS_ORGANIZER),  # of an academy
        event(load_event, 2, MUSEUM),  # of no academy
        event(load_event, 3, MUSEUM, hiddenLabels=["STEM-academie"]),  # labelled
        event(load_event, 4, ACADEMYS_ORGANIZER, audience={"audienceType": "education"}),
        event(load_event, 5, ACADEMYS_ORGANIZER, workflowStatus="DRAFT"),
        event(load_event, 6, ACADEMYS_ORGANIZER, workflowStatus="DELETED"),
    ]
    for document in documents:
        await post_document(document)
    ids = ",".join(f"00000000-0000-4000-8000-{n:012d}" for n in range(1, 7))

    by_id = (await client.get("/activities", params={"ids": ids})).json()["items"]
    listing = (await client.get("/activities")).json()["items"]

    flags = {int(a["activity_id"][-12:]): a["listed"] for a in by_id}
    assert flags == {1: True, 2: False, 3: True, 4: False, 5: False, 6: False}
    assert sorted(int(a["activity_id"][-12:]) for a in listing) == [1, 3]
    assert all(a["listed"] for a in listing)
