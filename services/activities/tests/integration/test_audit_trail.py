"""The activities service's audit trail on PostgreSQL and on SQLite (issue 21, ADR 0020):
the writes of people (a quarantine replay, a parked outbox row retried or discarded) record
who (from the credential, never the request), when, before and after, and why, in the
transaction of the change, and stage a `ChangeAudited` event that matches its contract on
stem.activities.audit.v1. The UiTdatabank webhook is the document flow, not audited."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.orm import audit_log
from stemkit.access.actor import SUBJECT_HEADER, VIA_HEADER
from stemkit.contracts import CATALOG
from stemkit.contracts.audit import ACTIVITIES_AUDIT_TOPIC
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_OPS_TOKEN
from stemkit.storage.db import outbox

OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"  # the fixture document's
EVENT_IRI = f"https://io.uitdatabank.be/events/{EVENT_ID}"
TYPE = "be.vlaio.stem.activities.change_audited.v1"
SCHEMA = Path(__file__).resolve().parents[4] / "contracts" / "events" / f"{TYPE}.schema.json"

Sessions = async_sessionmaker[AsyncSession]
Load = Callable[[str], dict[str, Any]]


async def trail(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    answer = await client.get("/audit", params=params, headers=OPS)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def audit_events(sessions: Sessions) -> list[CloudEvent]:
    async with sessions() as session:
        rows = await session.scalars(
            select(outbox.c.envelope)
            .where(outbox.c.topic == ACTIVITIES_AUDIT_TOPIC)
            .order_by(outbox.c.seq)
        )
        return [CloudEvent.model_validate_json(row) for row in rows]


async def audit_rows(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(audit_log)) or 0)


def notification() -> dict[str, Any]:
    """UiTdatabank's thin notification: the worker fetches the document it names."""
    return {
        "id": "0f0e0d0c-0000-4000-8000-000000000001",
        "playhead": 3,
        "metadata": {"request_time": 1700000000},
        "payload": {"item_id": EVENT_ID, "iri": EVENT_IRI},
        "recorded_on": "2025-05-01T10:00:00+02:00",
    }


async def quarantine_one(
    post_document: Callable[..., Awaitable[Any]], load_event: Load, uit: Any, msg_id: str
) -> None:
    broken = load_event("original")
    del broken["name"]
    uit.documents[EVENT_IRI] = broken
    await post_document(notification(), msg_id=msg_id)


async def test_a_quarantine_replay_is_audited_with_its_actor_before_after_and_reason(
    post_document: Callable[..., Awaitable[Any]],
    load_event: Load,
    uit: Any,
    client: httpx.AsyncClient,
    sessions: Sessions,
) -> None:
    await quarantine_one(post_document, load_event, uit, "msg_broken")
    assert await audit_rows(sessions) == 0  # the webhook is the document flow: not audited

    replay = await client.post(
        "/quarantine/replay",
        json={"webhook_ids": ["msg_broken"], "reason": "UiTdatabank fixed the name"},
        headers=OPS,
    )
    assert replay.json() == {"replayed": 1}

    (entry,) = await trail(client, entity="quarantine")
    assert entry["actor"] == {
        "subject": "static:ops",
        "name": "ops (shared token)",
        "via": "static-token",
    }
    assert (entry["entity_id"], entry["action"]) == ("msg_broken", "replayed")
    assert entry["before"]["status"] == "quarantined"
    assert "has no name" in entry["before"]["error"]
    assert entry["before"]["source"] == "webhook"
    assert entry["after"] == {"status": "received", "attempts": 0}
    assert entry["reason"] == "UiTdatabank fixed the name"
    assert entry["academy_id"] is None
    recorded = datetime.fromisoformat(entry["recorded_at"])
    assert abs((datetime.now(UTC) - recorded).total_seconds()) < 60

    # Its event: in the outbox with the change, keyed by what changed, valid by contract.
    (event,) = await audit_events(sessions)
    assert (event.type, event.source, event.subject) == (
        TYPE,
        "/stem/activities",
        "quarantine:msg_broken",
    )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(event.data))
    assert not errors, [e.message for e in errors]
    payload = CATALOG.parse(event)
    assert payload.audit_id == entry["audit_id"]  # type: ignore[attr-defined]
    assert payload.actor.subject == "static:ops"  # type: ignore[attr-defined]


async def test_no_audit_row_without_a_change_or_with_a_refused_one(
    post_document: Callable[..., Awaitable[Any]],
    load_event: Load,
    uit: Any,
    client: httpx.AsyncClient,
    sessions: Sessions,
) -> None:
    await quarantine_one(post_document, load_event, uit, "msg_kept")
    # The client's own token reads only: refused, nothing replayed, nothing recorded.
    refused = await client.post("/quarantine/replay", json={"webhook_ids": None})
    assert refused.status_code == 403
    assert (await client.get("/audit")).status_code == 403
    none = await client.post(
        "/quarantine/replay", json={"webhook_ids": ["msg_not_there"]}, headers=OPS
    )
    assert none.json() == {"replayed": 0}
    too_long = {"webhook_ids": None, "reason": "x" * 2001}
    assert (await client.post("/quarantine/replay", json=too_long, headers=OPS)).status_code == 422
    assert await audit_rows(sessions) == 0
    assert await audit_events(sessions) == []
    # The person a caller names in the gateway's headers is believed from the gateway only.
    named = OPS | {SUBJECT_HEADER: "someone-else", VIA_HEADER: "oidc"}
    all_of_them = await client.post("/quarantine/replay", json={"webhook_ids": None}, headers=named)
    assert all_of_them.json() == {"replayed": 1}
    (entry,) = await trail(client)
    assert (entry["entity_id"], entry["actor"]["subject"]) == ("msg_kept", "static:ops")
    assert entry["reason"] is None


async def test_a_parked_outbox_row_discarded_is_audited(
    post_document: Callable[..., Awaitable[Any]],
    load_event: Load,
    uit: Any,
    client: httpx.AsyncClient,
    sessions: Sessions,
) -> None:
    uit.documents[EVENT_IRI] = load_event("original")
    await post_document(notification())
    async with sessions.begin() as session:  # as the relay parks a row it can never send
        seq = await session.scalar(select(func.min(outbox.c.seq)))
        await session.execute(
            update(outbox)
            .where(outbox.c.seq == seq)
            .values(parked_at=datetime.now(UTC), parked_reason="MessageSizeTooLargeError: big")
        )
    answer = await client.post(
        f"/outbox/parked/{seq}/discard", params={"reason": "sent by hand"}, headers=OPS
    )
    assert answer.status_code == 200, answer.text
    (entry,) = await trail(client, entity="outbox_row")
    assert (entry["entity_id"], entry["action"], entry["after"]) == (str(seq), "discarded", None)
    assert entry["before"]["parked_reason"] == "MessageSizeTooLargeError: big"
    assert entry["before"]["event_type"] == "be.vlaio.stem.activity.published.v1"
    assert (entry["actor"]["subject"], entry["reason"]) == ("static:ops", "sent by hand")
    (event,) = await audit_events(sessions)
    assert event.subject == f"outbox_row:{seq}"
