"""The subsidy service's audit trail on PostgreSQL and on SQLite: parameter overrides and
calculation runs record who (from the credential), when, before and after, and why, with
their audit events in the same transaction (issue 21)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.audit import SUBSIDY_AUDIT_TOPIC
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN, DEV_OPS_TOKEN
from stemkit.storage.db import outbox
from subsidy.config import Settings
from subsidy.entrypoints.api import create_app

OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
GATEWAY = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}
PARAMETER = "stem/calls/gangmakers_2023/grant_per_academy_eur"


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=database_url, environment="test"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://subsidy") as c,
    ):
        yield c


async def test_overrides_and_runs_are_audited(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    override = {
        "name": PARAMETER,
        "value": 5000,
        "effective_from": "2023-01-01",
        "author": "someone typed this",
        "reason": "amount from the call's handleiding",
    }
    created = await client.post("/parameters/overrides", json=override, headers=OPS)
    assert created.status_code == 201, created.text
    changed = await client.post(
        "/parameters/overrides", json={**override, "value": 6000, "author": None}, headers=OPS
    )
    assert changed.status_code == 201, changed.text
    run = await client.post(
        "/calculations",
        json={"year": 2023, "call_ids": ["uitrollers_2023"], "reason": "monthly run"},
        headers=OPS,
    )
    assert run.status_code == 201, run.text

    listed = await client.get("/audit", params={"entity": "parameter_override"}, headers=OPS)
    first, second = reversed(listed.json())  # newest first
    assert first["actor"] == {
        "subject": "static:ops",
        "name": "ops (shared token)",
        "via": "static-token",
    }
    assert first["before"] == {"value": None, "status": "unknown"}
    assert first["after"]["value"] == 5000
    assert first["after"]["author"] == "ops (shared token) <static:ops>"
    assert first["note"] == "author given in the request: someone typed this"
    assert first["reason"] == "amount from the call's handleiding"
    assert (second["before"]["value"], second["after"]["value"]) == (5000, 6000)
    assert second["note"] is None
    (ran,) = (await client.get("/audit", params={"entity": "calculation_run"}, headers=OPS)).json()
    assert ran["entity_id"] == run.json()["run_id"]
    assert ran["reason"] == "monthly run" and ran["after"]["year"] == 2023

    # The trail is internal (ops scope) and its rows went out as events, one each.
    assert (await client.get("/audit")).status_code == 401
    async with sessions() as session:
        rows = await session.scalars(
            select(outbox.c.envelope).where(outbox.c.topic == SUBSIDY_AUDIT_TOPIC)
        )
        events = [CloudEvent.model_validate_json(row) for row in rows]
    assert {e.data["audit_id"] for e in events} == {e["audit_id"] for e in [first, second, ran]}
    assert {e.subject for e in events} == {
        f"parameter_override:{PARAMETER}",
        f"calculation_run:{ran['entity_id']}",
    }
    for event in events:
        CATALOG.parse(event)


async def test_the_gateway_cannot_override(client: httpx.AsyncClient) -> None:
    override = {"name": PARAMETER, "value": 1, "effective_from": "2023-01-01", "reason": "x"}
    refused = await client.post("/parameters/overrides", json=override, headers=GATEWAY)
    assert refused.status_code == 403
    listed = await client.get("/audit", headers=OPS)
    assert listed.json() == []
