"""Storing documents: which change each one is, and which event (if any) it stages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from stemkit.eventing import CloudEvent

Post = Callable[..., Awaitable[httpx.Response]]
Events = Callable[[], Awaitable[list[CloudEvent]]]
LoadEvent = Callable[[str], dict[str, Any]]

EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"
PUBLISHED = "be.vlaio.stem.activity.published.v1"
UPDATED = "be.vlaio.stem.activity.updated.v1"


def version(document: dict[str, Any], modified: str, name: str) -> dict[str, Any]:
    return document | {"modified": modified, "name": {"nl": name}}


Ingest = Callable[[Any], Awaitable[str]]


async def test_a_newer_version_updates_and_carries_the_whole_state(
    ingest: Ingest, load_event: LoadEvent, outbox_events: Events, client: httpx.AsyncClient
) -> None:
    document = load_event("original-with-multiple-dates")
    await ingest(version(document, "2025-01-01T10:00:00+01:00", "Robotkamp"))

    changed = version(document, "2025-01-02T10:00:00+01:00", "Robotkamp XL")
    changed["workflowStatus"] = "READY_FOR_VALIDATION"
    assert await ingest(changed) == "updated"

    events = await outbox_events()
    assert [e.type for e in events] == [PUBLISHED, UPDATED]
    assert events[1].data["name"] == "Robotkamp XL"
    assert events[1].data["public"] is True
    assert len(events[1].data["occurrences"]) == 3
    assert (await client.get(f"/activities/{EVENT_ID}")).json()["name"] == "Robotkamp XL"


async def test_an_older_version_never_overwrites_a_newer_one(
    ingest: Ingest, load_event: LoadEvent, outbox_events: Events, client: httpx.AsyncClient
) -> None:
    document = load_event("original")
    await ingest(version(document, "2025-01-02T10:00:00+01:00", "Newer"))

    older = version(document, "2025-01-01T10:00:00+01:00", "Older")
    assert await ingest(older) == "stale"

    assert len(await outbox_events()) == 1
    assert (await client.get(f"/activities/{EVENT_ID}")).json()["name"] == "Newer"


async def test_identical_content_stages_no_event(
    ingest: Ingest, load_event: LoadEvent, outbox_events: Events
) -> None:
    document = load_event("original-with-languages")
    await ingest(document)

    # Another delivery (new webhook-id) of the same content, in another key order.
    assert await ingest(dict(reversed(document.items()))) == "unchanged"
    assert len(await outbox_events()) == 1


async def test_other_content_with_the_same_modified_is_an_update(
    ingest: Ingest, load_event: LoadEvent, outbox_events: Events
) -> None:
    # The embedded place moved, and UiTdatabank's `modified` of the event did not.
    document = load_event("original")
    await ingest(document)
    document["location"]["address"]["nl"]["postalCode"] = "3001"

    assert await ingest(document) == "updated"
    events = await outbox_events()
    assert events[-1].data["location"]["postal_code"] == "3001"


async def test_concurrent_deliveries_of_a_new_activity_publish_it_once(
    ingest: Ingest, load_event: LoadEvent, outbox_events: Events
) -> None:
    document = load_event("original")

    changes = await asyncio.gather(*(ingest(document) for _ in range(4)))

    assert sorted(changes) == ["published"] + ["unchanged"] * 3
    assert [e.type for e in await outbox_events()] == [PUBLISHED]


async def test_concurrent_retries_of_one_delivery_take_effect_once(
    post_document: Post, load_event: LoadEvent, outbox_events: Events
) -> None:
    document = load_event("original")

    responses = await asyncio.gather(
        *(post_document(document, msg_id="msg_retried") for _ in range(4))
    )

    assert sorted(r.status_code for r in responses) == [200, 200, 200, 202]
    assert len(await outbox_events()) == 1
