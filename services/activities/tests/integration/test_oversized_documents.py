"""Issue 14, case 2, end to end: a document under the webhook's 1 MiB whose activity
would be an event of ~2.2 MB (30,000 dates) is quarantined with the reason; no event is
staged for the relay, and the next document goes through."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from activities.domain.limits import MAX_OCCURRENCES
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_OPS_TOKEN

Post = Callable[..., Awaitable[httpx.Response]]
Events = Callable[[], Awaitable[list[CloudEvent]]]
Load = Callable[[str], dict[str, Any]]

OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
OTHER_EVENT = "http://udb-silex.dev/event/0b2b6d8c-3f4a-4c1e-9d3e-5a6b7c8d9e0f"


def with_dates(document: dict[str, Any], count: int) -> dict[str, Any]:
    first = datetime(2030, 1, 1, 10, tzinfo=UTC)
    starts = [f"{first + timedelta(hours=n):%Y-%m-%dT%H:%MZ}" for n in range(count)]
    return {**document, "calendarType": "multiple", "startDate": starts[0]} | {
        "subEvent": [{"startDate": start} for start in starts]
    }


async def test_a_document_with_30000_dates_is_quarantined_and_stages_no_event(
    post_document: Post, load_event: Load, client: httpx.AsyncClient, outbox_events: Events
) -> None:
    huge = with_dates(load_event("original-with-multiple-dates"), 30_000)
    body = json.dumps(huge, separators=(",", ":"))
    assert len(body.encode()) < 1024 * 1024  # the webhook takes it

    answer = await post_document(body, msg_id="msg_huge")
    await post_document(load_event("original") | {"@id": OTHER_EVENT}, msg_id="msg_next")

    assert answer.status_code == 202
    page = (await client.get("/quarantine", headers=OPS)).json()
    assert [item["webhook_id"] for item in page["items"]] == ["msg_huge"]
    reason = page["items"][0]["reason"]
    assert f"30000 occurrences, more than the {MAX_OCCURRENCES}" in reason
    events = await outbox_events()
    assert [e.subject for e in events] == ["0b2b6d8c-3f4a-4c1e-9d3e-5a6b7c8d9e0f"]
