"""Recognition decisions and roles on PostgreSQL: stored, announced, refused with a reason."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts.registry import ACADEMY_TOPIC
from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox

pytestmark = pytest.mark.postgres

OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}


async def academy(api: httpx.AsyncClient, name: str = "Codeclub Leuven") -> str:
    response = await api.post("/academies", json={"name": name}, headers=OPS)
    assert response.status_code == 201
    academy_id: str = response.json()["id"]
    return academy_id


async def decide(
    api: httpx.AsyncClient, academy_id: str, status: str, on: str, **extra: Any
) -> httpx.Response:
    body = {"status": status, "decided_on": on, "reason": "dossier ok", "author": "VLAIO, An"}
    return await api.post(
        f"/academies/{academy_id}/recognition", json={**body, **extra}, headers=OPS
    )


async def events(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[CloudEvent]:
    async with sessions() as session:
        rows = await session.scalars(
            select(outbox.c.envelope)
            .where(outbox.c.topic == ACADEMY_TOPIC, outbox.c.event_type.contains(kind))
            .order_by(outbox.c.seq)
        )
        return [CloudEvent.model_validate_json(row) for row in rows]


async def test_a_lifecycle_is_recorded_announced_and_queried(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    contract: Callable[[CloudEvent], None],
) -> None:
    lab = await academy(api)
    other = await academy(api, "Robotclub Gent")
    assert (await decide(api, lab, "requested", "2021-01-04")).status_code == 201
    provisional = await decide(api, lab, "provisionally_recognised", "2021-02-01")
    assert provisional.json()["valid_until"] == "2022-01-31"
    confirmed = await decide(api, lab, "recognised", "2022-01-15", valid_from="2022-02-01")
    assert confirmed.json()["valid_until"] == "2025-01-31"
    assert (await decide(api, other, "requested", "2021-03-01")).status_code == 201

    refused = await decide(api, lab, "requested", "2022-03-01")
    assert refused.status_code == 409
    assert refused.json()["current"] == "recognised"
    assert set(refused.json()["allowed"]) == {
        "renewal_due",
        "under_review",
        "suspended",
        "withdrawn",
        "expired",
    }
    assert "allowed" in refused.json()["detail"]

    state = (await api.get(f"/academies/{lab}/recognition")).json()
    assert [d["status"] for d in state["history"]] == [
        "requested",
        "provisionally_recognised",
        "recognised",
    ]
    # The author is the credential's principal, not the request's `author` (issue 21).
    assert state["current"]["author"] == "ops (shared token) <static:ops>"
    assert "renewal_due" in state["allowed_next"]

    on = await api.get("/recognition/recognised", params={"on": "2023-06-01"})
    assert [d["academy_id"] for d in on.json()] == [lab]
    assert (await api.get("/recognition/recognised", params={"on": "2021-01-31"})).json() == []
    due = await api.get("/recognition/reviews-due", params={"before": "2025-03-01"})
    assert [(d["academy_id"], d["valid_until"]) for d in due.json()] == [(lab, "2025-01-31")]
    assert (await api.get("/recognition/reviews-due", params={"before": "2025-01-31"})).json() == []

    decided = await events(sessions, "recognition_decided")
    assert len(decided) == 4
    for event in decided:
        contract(event)
    assert decided[2].data["status"] == "recognised"
    assert decided[2].data["reason"] == "dossier ok"


async def test_refused_unauthorised_and_unknown_decisions_change_nothing(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    lab = await academy(api)
    assert (await decide(api, lab, "recognised", "2021-01-01")).status_code == 409
    body = {"status": "requested", "decided_on": "2021-01-01", "reason": "x", "author": "y"}
    unauthorised = await api.post(f"/academies/{lab}/recognition", json=body)
    assert unauthorised.status_code == 403  # the client's reading token may not write
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await decide(api, missing, "requested", "2021-01-01")).status_code == 404
    bad = await api.post(
        f"/academies/{lab}/recognition",
        json={"status": "approved", "decided_on": "someday", "author": ""},
        headers=OPS,
    )
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {
        "status",
        "decided_on",
        "reason",
        "author",
    }
    assert (await api.get(f"/academies/{lab}/recognition")).json()["history"] == []
    assert await events(sessions, "recognition_decided") == []


async def test_two_concurrent_decisions_give_one(api: httpx.AsyncClient) -> None:
    lab = await academy(api)
    answers = await asyncio.gather(*(decide(api, lab, "requested", "2021-01-01") for _ in range(3)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    assert len((await api.get(f"/academies/{lab}/recognition")).json()["history"]) == 1


async def test_roles_per_year_are_assigned_and_revoked_once(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    contract: Callable[[CloudEvent], None],
) -> None:
    lab = await academy(api)
    for role in ("uitroller", "gangmaker", "uitroller"):
        answer = await api.put(f"/academies/{lab}/roles/2023/{role}", headers=OPS)
        assert answer.status_code == 200
    assert answer.json()["roles"] == [
        {"year": 2023, "role": "gangmaker"},
        {"year": 2023, "role": "uitroller"},
    ]
    assert (await api.put(f"/academies/{lab}/roles/2023/ontwikkelaar")).status_code == 403
    assert (await api.put(f"/academies/{lab}/roles/2023/baas", headers=OPS)).status_code == 422
    assert (await api.put(f"/academies/{lab}/roles/2018/uitroller", headers=OPS)).status_code == 422
    for _ in range(2):
        await api.delete(f"/academies/{lab}/roles/2023/gangmaker", headers=OPS)
    listed = (await api.get(f"/academies/{lab}/roles")).json()
    assert listed["roles"] == [{"year": 2023, "role": "uitroller"}]

    changes = await events(sessions, "role_")
    assert [e.type.split(".")[-2] for e in changes] == [
        "role_assigned",
        "role_assigned",
        "role_revoked",
    ]
    for event in changes:
        contract(event)
