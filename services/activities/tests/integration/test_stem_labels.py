"""ACTIVITIES_STEM_LABELS (issue 15, ADR 0013): an activity whose organizer is linked to no
academy is still listed on the STEM-kalender when it carries a configured UiT label
(`labels` or `hiddenLabels`, case insensitive), through the real webhook and listing."""

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
    """The conftest's settings (PostgreSQL and SQLite) with two STEM labels configured."""
    return settings.model_copy(update={"stem_labels": ["stem-academie", "stem-kalender"]})


def event(load_event: Load, n: int, organizer: str, **labels: list[str]) -> dict[str, Any]:
    document = load_event("original")
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["workflowStatus"] = "APPROVED"
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{organizer}"}
    document.pop("audience", None)
    document.pop("labels", None)
    document.pop("hiddenLabels", None)
    document.update(labels)
    return document


def listed(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return sorted(int(item["activity_id"][-12:]) for item in response.json()["items"])


async def test_an_activity_of_no_academy_with_a_stem_label_is_listed(
    client: httpx.AsyncClient, post_document: Post, deliver: Deliver, load_event: Load
) -> None:
    await deliver(
        AcademyRegistered(academy_id=ACADEMY, name="A", uit_organizer_ids=[ACADEMYS_ORGANIZER])
    )
    await post_document(event(load_event, 1, ACADEMYS_ORGANIZER, labels=["UiTPAS"]))
    await post_document(event(load_event, 2, MUSEUM, hiddenLabels=["STEM-academie"]))
    await post_document(event(load_event, 3, MUSEUM, labels=["Stem-Kalender", "UiTPAS"]))
    await post_document(event(load_event, 4, MUSEUM, labels=["UiTPAS", "stem"]))
    await post_document(event(load_event, 5, MUSEUM))

    assert listed(await client.get("/activities")) == [1, 2, 3]
    # The label filter combines with the others (here: the academy filter).
    assert listed(await client.get("/activities", params={"academy_id": ACADEMY})) == [1]
    # Reach and subsidy still need an academy: the labelled activity has none.
    two = await client.get("/activities", params={"ids": f"00000000-0000-4000-8000-{2:012d}"})
    [item] = two.json()["items"]
    assert item["academy_id"] is None and item["labels"] == ["stem-academie"]

    # The label removed in a later version: no longer listed.
    again = event(load_event, 2, MUSEUM, hiddenLabels=["museumpas"])
    again["modified"] = "2030-01-01T00:00:00+00:00"
    await post_document(again)
    assert listed(await client.get("/activities")) == [1, 3]
