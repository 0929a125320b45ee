"""Asynchronous ingestion: thin notifications with a fetch, gone items, retries,
withdrawals, places and organizers, and the quarantine with its API, metric and replay."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.orm import webhook_deliveries
from stemkit.contracts.registry import MunicipalityDefined
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_OPS_TOKEN

Post = Callable[..., Awaitable[httpx.Response]]
Events = Callable[[], Awaitable[list[CloudEvent]]]
Drain = Callable[[], Awaitable[list[str]]]
Deliver = Callable[[Any], Awaitable[None]]
Load = Callable[[str], dict[str, Any]]

EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"
EVENT_IRI = f"https://io.uitdatabank.be/events/{EVENT_ID}"
PLACE_IRI = "http://udb-silex.dev/place/179c89c5-dba4-417b-ae96-62e7a12c2405"
OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
PUBLISHED = "be.vlaio.stem.activity.published.v1"
UPDATED = "be.vlaio.stem.activity.updated.v1"
WITHDRAWN = "be.vlaio.stem.activity.withdrawn.v1"


def notification(iri: str) -> dict[str, Any]:
    item_id = iri.rsplit("/", 1)[-1]
    return {
        "id": "0f0e0d0c-0000-4000-8000-000000000001",
        "playhead": 3,
        "metadata": {"request_time": 1700000000},
        "payload": {"item_id": item_id, "iri": iri},
        "recorded_on": "2025-05-01T10:00:00+02:00",
    }


async def retries_come_due(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Time passes: every delivery waiting for a retry is due now."""
    async with sessions.begin() as session:
        await session.execute(update(webhook_deliveries).values(next_attempt_at=datetime.now(UTC)))


async def types(outbox_events: Events) -> list[str]:
    return [e.type for e in await outbox_events()]


async def test_a_thin_notification_is_fetched_then_becomes_an_activity(
    post_document: Post, load_event: Load, uit: Any, outbox_events: Events
) -> None:
    uit.documents[EVENT_IRI] = load_event("original")

    response = await post_document(notification(EVENT_IRI))

    assert response.status_code == 202
    assert uit.fetched == [EVENT_IRI]
    assert await types(outbox_events) == [PUBLISHED]


async def test_a_notified_event_that_is_gone_is_withdrawn(
    post_document: Post, load_event: Load, uit: Any, outbox_events: Events
) -> None:
    await post_document(load_event("original"))
    uit.statuses[EVENT_IRI] = 410

    await post_document(notification(EVENT_IRI))

    events = await outbox_events()
    assert [e.type for e in events] == [PUBLISHED, WITHDRAWN]
    assert events[-1].data["reason"] == "deleted"


async def test_a_failing_fetch_is_retried_later_then_processed(
    post_document: Post,
    load_event: Load,
    uit: Any,
    drain: Drain,
    sessions: async_sessionmaker[AsyncSession],
    outbox_events: Events,
) -> None:
    uit.documents[EVENT_IRI] = load_event("original")
    uit.failures[EVENT_IRI] = 1

    await post_document(notification(EVENT_IRI), process=False)
    assert await drain() == ["retry"]
    assert await drain() == []  # not due yet
    await retries_come_due(sessions)

    assert await drain() == ["processed"]
    assert await types(outbox_events) == [PUBLISHED]


async def test_deleted_withdraws_and_an_older_approved_version_cannot_undo_it(
    post_document: Post, load_event: Load, outbox_events: Events, client: httpx.AsyncClient
) -> None:
    document = load_event("original") | {"workflowStatus": "APPROVED"}
    await post_document(document | {"modified": "2025-01-01T10:00:00+01:00"})
    await post_document(
        document | {"workflowStatus": "DELETED", "modified": "2025-01-03T10:00:00+01:00"}
    )
    await post_document(document | {"modified": "2025-01-02T10:00:00+01:00"})

    assert await types(outbox_events) == [PUBLISHED, WITHDRAWN]
    stored = (await client.get(f"/activities/{EVENT_ID}")).json()
    assert (stored["workflow_status"], stored["public"]) == ("DELETED", False)


async def test_a_never_seen_deleted_event_is_kept_silently(
    post_document: Post, load_event: Load, outbox_events: Events, client: httpx.AsyncClient
) -> None:
    await post_document(load_event("original") | {"workflowStatus": "DELETED"})

    assert await outbox_events() == []
    assert (await client.get(f"/activities/{EVENT_ID}")).status_code == 200


async def test_quarantine_is_listed_counted_and_replayed_after_a_fix(
    post_document: Post,
    load_event: Load,
    uit: Any,
    client: httpx.AsyncClient,
    outbox_events: Events,
    drain: Drain,
) -> None:
    broken = load_event("original")
    del broken["name"]
    uit.documents[EVENT_IRI] = broken
    before = (
        REGISTRY.get_sample_value("stem_activities_quarantined_total", {"source": "webhook"}) or 0
    )

    await post_document(notification(EVENT_IRI), msg_id="msg_broken")

    assert (await client.get("/quarantine")).status_code == 403  # a reader's token
    page = (await client.get("/quarantine", headers=OPS)).json()
    assert page["total"] == 1
    assert page["items"][0]["webhook_id"] == "msg_broken"
    assert "has no name" in page["items"][0]["reason"]
    after = REGISTRY.get_sample_value("stem_activities_quarantined_total", {"source": "webhook"})
    assert after == before + 1

    uit.documents[EVENT_IRI] = load_event("original")  # fixed at the source
    replay = await client.post("/quarantine/replay", json={"webhook_ids": None}, headers=OPS)
    assert replay.json() == {"replayed": 1}
    assert await drain() == ["processed"]
    assert (await client.get("/quarantine", headers=OPS)).json()["total"] == 0
    assert await types(outbox_events) == [PUBLISHED]


async def test_a_changed_place_re_resolves_the_municipality_of_its_activities(
    post_document: Post,
    load_event: Load,
    load_place: Load,
    deliver: Deliver,
    client: httpx.AsyncClient,
    outbox_events: Events,
    municipality: Callable[..., MunicipalityDefined],
) -> None:
    await deliver(municipality("24062", "Leuven", "3000"))
    await deliver(municipality("24055", "Kortenberg", "3070"))
    await post_document(load_event("original"))
    assert (await client.get(f"/activities/{EVENT_ID}")).json()["location"]["nis_code"] == "24062"

    place = load_place("original")
    place["address"]["nl"] |= {"postalCode": "3070", "addressLocality": "Kortenberg"}
    place["modified"] = "2025-02-01T10:00:00+01:00"
    await post_document(place)

    body = (await client.get(f"/activities/{EVENT_ID}")).json()
    assert (body["location"]["postal_code"], body["location"]["nis_code"]) == ("3070", "24055")
    assert [o["nis_code"] for o in body["occurrences"]] == ["24055"]
    assert await types(outbox_events) == [PUBLISHED, UPDATED]


async def test_a_duplicate_place_resolves_to_its_canonical_place(
    post_document: Post, load_event: Load, load_place: Load, client: httpx.AsyncClient
) -> None:
    canonical = load_place("original") | {
        "@id": "http://udb-silex.dev/place/92f24f5b-381b-4a33-8768-b83f31dd07e9"
    }
    canonical["address"] = {"nl": {**canonical["address"]["nl"], "postalCode": "3001"}}
    await post_document(canonical)
    await post_document(load_place("original-with-duplicate-of"))

    await post_document(load_event("original"))

    location = (await client.get(f"/activities/{EVENT_ID}")).json()["location"]
    assert location["place_id"] == "92f24f5b-381b-4a33-8768-b83f31dd07e9"
    assert location["postal_code"] == "3001"


async def test_a_changed_organizer_re_resolves_its_activities_without_news(
    post_document: Post, load_event: Load, load_organizer: Load, outbox_events: Events
) -> None:
    document = load_event("original-with-optional-fields") | {
        "calendarType": "single",
        "startDate": "2025-04-25T10:00:00+02:00",
    }
    await post_document(document)

    await post_document(load_organizer("original"))
    await post_document(load_organizer("original_with_workflowstatus_deleted"))

    assert await types(outbox_events) == [PUBLISHED]  # nothing an activity carries changed


async def test_a_delivery_is_answered_before_it_is_processed(
    post_document: Post, load_event: Load, outbox_events: Events, drain: Drain
) -> None:
    body = json.dumps(load_event("original"))

    response = await post_document(body, process=False)

    assert response.status_code == 202
    assert await outbox_events() == []
    assert await drain() == ["processed"]


async def test_a_failure_while_processing_rolls_back_and_is_retried_later(
    post_document: Post,
    load_event: Load,
    drain: Drain,
    outbox_events: Events,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from activities.service_layer import ingestion, settling

    real = ingestion.ingest
    # PostgreSQL: in the batch (its savepoint is rolled back, ADR 0018). SQLite: in the
    # batch, then once more alone.
    postgres = sessions.kw["bind"].dialect.name == "postgresql"
    crashes = iter([True] if postgres else [True, True])

    async def crashing(session: Any, item: Any) -> Any:
        done = await real(session, item)  # the effect is written, then it fails
        if next(crashes, False):
            raise RuntimeError("killed")
        return done

    monkeypatch.setattr(settling, "ingest", crashing)
    await post_document(load_event("original"), process=False)

    assert await drain() == ["retry"]
    assert await outbox_events() == []  # rolled back
    async with sessions() as session:
        row = (await session.execute(select(webhook_deliveries))).one()
    assert (row.status, row.attempts, row.error) == ("received", 1, "failed: RuntimeError: killed")
    await retries_come_due(sessions)

    assert await drain() == ["processed"]  # the next attempt does it
    assert await types(outbox_events) == [PUBLISHED]


async def test_a_delivery_that_keeps_failing_is_quarantined_and_holds_up_only_itself(
    post_document: Post,
    load_event: Load,
    drain: Drain,
    outbox_events: Events,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from activities.service_layer import ingestion, preparing, settling

    real = ingestion.ingest

    async def failing_on_one(session: Any, item: Any) -> Any:
        if item.item_id == EVENT_ID:
            raise RuntimeError("a bug")
        return await real(session, item)

    monkeypatch.setattr(settling, "ingest", failing_on_one)
    others = []
    for n in range(3):
        document = load_event("original")
        document["@id"] = f"https://io.uitdatabank.be/event/00000000-0000-4000-8000-00000000000{n}"
        others.append(document)
    await post_document(others[0], process=False, msg_id="msg_0")
    await post_document(load_event("original"), process=False, msg_id="msg_bad")
    await post_document(others[1], process=False, msg_id="msg_1")
    await post_document(others[2], process=False, msg_id="msg_2")

    # One batch, rolled back whole, then settled one by one: the others go through.
    assert await drain() == ["processed", "retry", "processed", "processed"]
    assert await types(outbox_events) == [PUBLISHED] * 3
    for _ in range(preparing.MAX_ATTEMPTS - 1):
        await retries_come_due(sessions)
        outcomes = await drain()
    assert outcomes == ["quarantined"]
    async with sessions() as session:
        row = (
            await session.execute(
                select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == "msg_bad")
            )
        ).one()
    assert row.status == "quarantined"
    assert row.error == f"failed {preparing.MAX_ATTEMPTS} times: RuntimeError: a bug"


async def test_one_batch_settles_each_kind_of_delivery_as_alone(
    post_document: Post,
    load_event: Load,
    uit: Any,
    drain: Drain,
    outbox_events: Events,
) -> None:
    gone_iri = "https://io.uitdatabank.be/events/00000000-0000-4000-8000-00000000000a"
    uit.statuses[gone_iri] = 410
    failing_iri = "https://io.uitdatabank.be/events/00000000-0000-4000-8000-00000000000b"
    uit.failures[failing_iri] = 1
    uit.documents[EVENT_IRI] = load_event("original")
    updated = load_event("original")
    updated["name"] = {"nl": "Een nieuwe naam"}
    updated["modified"] = "2099-01-01T00:00:00+00:00"
    broken = load_event("original")
    del broken["name"]

    await post_document(notification(EVENT_IRI), process=False, msg_id="msg_a")
    await post_document(updated, process=False, msg_id="msg_b")  # the same activity, newer
    await post_document(broken, process=False, msg_id="msg_c")
    await post_document(notification(gone_iri), process=False, msg_id="msg_d")
    await post_document(notification(failing_iri), process=False, msg_id="msg_e")
    await post_document({"no": "document"}, process=False, msg_id="msg_f")

    assert await drain() == [
        "processed",
        "processed",
        "quarantined",
        "processed",
        "retry",
        "quarantined",
    ]
    events = await outbox_events()
    assert [e.type for e in events] == [PUBLISHED, UPDATED]  # in order, in one transaction
    assert events[1].data["name"] == "Een nieuwe naam"
