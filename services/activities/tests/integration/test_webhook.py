"""POST /webhooks/uitdatabank: signature, size, replays, malformed and unusable bodies."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from stemkit.eventing import CloudEvent

Post = Callable[..., Awaitable[httpx.Response]]
Events = Callable[[], Awaitable[list[CloudEvent]]]
Count = Callable[[], Awaitable[int]]
LoadEvent = Callable[[str], dict[str, Any]]
Drain = Callable[[], Awaitable[list[str]]]

EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"
ROTATED = "whsec_" + base64.b64encode(b"second-secret-for-the-tests-002").decode()
UNKNOWN = "whsec_" + base64.b64encode(b"a-secret-nobody-configured-here").decode()


async def test_a_signed_document_is_stored_then_processed_with_one_event(
    post_document: Post,
    load_event: LoadEvent,
    outbox_events: Events,
    client: httpx.AsyncClient,
    drain: Drain,
) -> None:
    response = await post_document(load_event("original"), process=False)

    assert response.status_code == 202, response.text
    assert response.json() | {"webhook_id": "-"} == {"status": "received", "webhook_id": "-"}
    assert await outbox_events() == []  # stored, not yet processed
    assert await drain() == ["processed"]
    events = await outbox_events()
    assert [e.type for e in events] == ["be.vlaio.stem.activity.published.v1"]
    assert events[0].subject == EVENT_ID
    assert (await client.get(f"/activities/{EVENT_ID}")).json()["name"] == "Punkfest"


async def test_the_second_secret_of_a_rotation_is_accepted(
    post_document: Post, load_event: LoadEvent
) -> None:
    response = await post_document(load_event("original"), secret=ROTATED)

    assert response.status_code == 202, response.text


async def test_wrong_or_missing_signatures_store_nothing(
    post_document: Post,
    load_event: LoadEvent,
    outbox_events: Events,
    delivery_count: Count,
) -> None:
    document = load_event("original")
    body = json.dumps(document)
    wrong = await post_document(body, secret=UNKNOWN)
    unsigned = await post_document(body, headers={"content-type": "application/json"})

    assert (wrong.status_code, unsigned.status_code) == (401, 401)
    assert "signature" in wrong.json()["detail"]
    assert await outbox_events() == []
    assert await delivery_count() == 0


async def test_a_stale_timestamp_is_refused(
    post_document: Post, load_event: LoadEvent, delivery_count: Count
) -> None:
    stale = datetime.now(UTC) - timedelta(minutes=6)
    response = await post_document(load_event("original"), at=stale)

    assert response.status_code == 401
    assert "too old" in response.json()["detail"]
    assert await delivery_count() == 0


async def test_a_replayed_webhook_id_has_no_second_effect(
    post_document: Post, load_event: LoadEvent, outbox_events: Events, delivery_count: Count
) -> None:
    document = load_event("original")
    first = await post_document(document, msg_id="msg_replayed")
    document["name"] = {"nl": "Changed, but the same delivery id"}
    again = await post_document(document, msg_id="msg_replayed")

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["status"] == "duplicate"
    assert len(await outbox_events()) == 1
    assert await delivery_count() == 1


async def test_an_oversize_body_is_refused(
    post_document: Post, load_event: LoadEvent, delivery_count: Count
) -> None:
    document = load_event("original")
    document["description"] = {"nl": "x" * (1024 * 1024)}

    response = await post_document(document)

    assert response.status_code == 413
    assert await delivery_count() == 0


async def test_an_oversize_body_without_content_length_is_refused(
    client: httpx.AsyncClient, delivery_count: Count
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b" " * 65536  # 1 MiB + 64 KiB, streamed: no Content-Length

    response = await client.post("/webhooks/uitdatabank", content=chunks())

    assert response.status_code == 413
    assert await delivery_count() == 0


async def test_malformed_json_is_refused_and_not_stored(
    post_document: Post, outbox_events: Events, delivery_count: Count
) -> None:
    response = await post_document('{"@id": "https://io.uitdatabank.be/events/')

    assert response.status_code == 400
    assert "not JSON" in response.json()["detail"]
    assert await delivery_count() == 0
    assert await outbox_events() == []


async def test_an_unreadable_document_is_accepted_then_quarantined(
    post_document: Post, load_event: LoadEvent, outbox_events: Events, delivery_count: Count
) -> None:
    document = load_event("original")
    del document["name"]

    response = await post_document(document, msg_id="msg_unreadable")
    again = await post_document(document, msg_id="msg_unreadable")

    assert response.status_code == 202
    assert (again.status_code, again.json()["first"]) == (200, "quarantined")
    assert await delivery_count() == 1
    assert await outbox_events() == []


async def test_an_overlong_webhook_id_is_refused(
    post_document: Post, load_event: LoadEvent, delivery_count: Count
) -> None:
    response = await post_document(load_event("original"), msg_id="m" * 256)

    assert response.status_code == 400
    assert await delivery_count() == 0
