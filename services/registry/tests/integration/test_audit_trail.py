"""The registry's audit trail on PostgreSQL and on SQLite: every write records who (from the
credential, not the request), when, before and after, and why, with its audit event in the
same transaction (issue 21)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from conftest import fresh_database
from registry.adapters.orm import audit_log
from registry.bootstrap import MIGRATIONS
from registry.config import Settings
from registry.entrypoints.api import create_app, database_of
from registry.entrypoints.cli import load_reference_data
from stemkit.access.actor import SUBJECT_HEADER, VIA_HEADER
from stemkit.contracts import CATALOG
from stemkit.contracts.audit import REGISTRY_AUDIT_TOPIC
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN
from stemkit.storage.db import outbox
from stemkit.storage.migrations import upgrade_to_head

OPS_TOKEN = "registry-audit-test-ops-token-32-chars-or-more"
OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
GATEWAY = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}
ORGANIZER = "5e0f5d2a-1b3c-4d5e-8f90-a1b2c3d4e5f6"


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with AsyncExitStack() as stack:
        if request.param == "postgres":
            url = await stack.enter_async_context(fresh_database())
        else:
            url = f"sqlite+aiosqlite:///{tmp_path}/registry.db"
        async for client in _client(url):
            yield client


async def _client(url: str) -> AsyncIterator[httpx.AsyncClient]:
    await asyncio.to_thread(upgrade_to_head, url, MIGRATIONS)
    settings = Settings(
        database_url=url,
        ops_token=SecretStr(OPS_TOKEN),
        environment="test",
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    await load_reference_data(settings)
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registry"
    ) as http:
        http.app = app  # type: ignore[attr-defined]
        yield http
    await database_of(app).dispose()


async def trail(api: httpx.AsyncClient, academy_id: str) -> list[dict[str, Any]]:
    response = await api.get("/audit", params={"academy_id": academy_id}, headers=OPS)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def audit_events(api: httpx.AsyncClient) -> list[CloudEvent]:
    database = database_of(api.app)  # type: ignore[attr-defined]
    async with database.session_factory() as session:
        rows = await session.scalars(
            select(outbox.c.envelope)
            .where(outbox.c.topic == REGISTRY_AUDIT_TOPIC)
            .order_by(outbox.c.seq)
        )
        return [CloudEvent.model_validate_json(row) for row in rows]


async def test_every_write_is_audited_with_its_actor_before_after_and_reason(
    api: httpx.AsyncClient,
) -> None:
    created = await api.post(
        "/academies",
        json={"name": "Codeclub Audit", "uit_organizer_ids": [ORGANIZER]},
        params={"reason": "new academy, dossier 12"},
        headers=OPS,
    )
    assert created.status_code == 201, created.text
    academy = created.json()["id"]
    patched = await api.patch(
        f"/academies/{academy}",
        json={"website": "https://codeclub.example"},
        params={"reason": "website moved"},
        headers=OPS,
    )
    assert patched.status_code == 200, patched.text
    decided = await api.post(
        f"/academies/{academy}/recognition",
        json={
            "status": "requested",
            "decided_on": "2024-01-04",
            "reason": "aanvraag ontvangen",
            "author": "Mallory (typed by hand)",
        },
        headers=OPS,
    )
    assert decided.status_code == 201, decided.text
    role = await api.put(
        f"/academies/{academy}/roles/2024/gangmaker", params={"reason": "call 2024"}, headers=OPS
    )
    assert role.status_code == 200, role.text
    again = await api.put(f"/academies/{academy}/roles/2024/gangmaker", headers=OPS)
    assert again.status_code == 200  # no change: nothing to audit
    for participants in (40, 42):  # the second is a correction
        reported = await api.post(
            f"/academies/{academy}/participant-reports",
            json={
                "year": 2024,
                "participants": participants,
                "under_14": 30,
                "from_14": participants - 30,
            },
            params={"reason": "jaarverslag"},
            headers=OPS,
        )
        assert reported.status_code == 201, reported.text

    entries = await trail(api, academy)
    kinds = sorted((e["entity"], e["action"]) for e in entries)
    assert kinds == [
        ("academy", "registered"),
        ("academy", "updated"),
        ("organizer_link", "linked"),
        ("participant_report", "corrected"),
        ("participant_report", "reported"),
        ("recognition", "decided"),
        ("role", "assigned"),
    ]
    assert {e["actor"]["subject"] for e in entries} == {"static:ops"}
    by_kind = {(e["entity"], e["action"]): e for e in entries}
    update = by_kind["academy", "updated"]
    assert update["before"]["website"] is None
    assert update["after"]["website"] == "https://codeclub.example"
    assert update["reason"] == "website moved"
    assert by_kind["organizer_link", "linked"]["entity_id"] == ORGANIZER
    correction = by_kind["participant_report", "corrected"]
    assert (correction["before"]["participants"], correction["after"]["participants"]) == (40, 42)
    # The decision's author is the credential's principal; the typed author is only a note.
    decision = by_kind["recognition", "decided"]
    assert decided.json()["author"] == "ops (shared token) <static:ops>"
    assert decision["after"]["author"] == decided.json()["author"]
    assert decision["note"] == "author given in the request: Mallory (typed by hand)"
    assert decision["reason"] == "aanvraag ontvangen"

    # One audit event per row, on the registry's audit topic, keyed by the academy.
    events = await audit_events(api)
    assert sorted(e.data["audit_id"] for e in events) == sorted(e["audit_id"] for e in entries)
    for event in events:
        payload = CATALOG.parse(event)
        assert event.subject == academy
        assert payload.actor.subject == "static:ops"  # type: ignore[attr-defined]


async def test_the_gateway_names_the_person_and_no_one_else_can(api: httpx.AsyncClient) -> None:
    created = await api.post("/academies", json={"name": "Robotclub Audit"}, headers=OPS)
    academy = created.json()["id"]
    person = {SUBJECT_HEADER: "f2d1c0b9-coordinator", VIA_HEADER: "oidc"}
    # The shared ops token cannot pass itself off as someone else.
    patched = await api.patch(
        f"/academies/{academy}", json={"website": "https://a.example"}, headers=OPS | person
    )
    assert patched.status_code == 200
    entries = await trail(api, academy)
    assert entries[0]["actor"]["subject"] == "static:ops"
    # The gateway's token has no write scope: it cannot write by itself at all.
    refused = await api.patch(
        f"/academies/{academy}", json={"website": "https://b.example"}, headers=GATEWAY | person
    )
    assert refused.status_code == 403


async def test_a_refused_write_leaves_no_audit_row(api: httpx.AsyncClient) -> None:
    created = await api.post("/academies", json={"name": "Bouwclub Audit"}, headers=OPS)
    academy = created.json()["id"]
    refused = await api.post(
        f"/academies/{academy}/recognition",
        json={"status": "recognised", "decided_on": "2024-01-04", "reason": "x"},
        headers=OPS,
    )
    assert refused.status_code == 409  # not allowed from no status
    database = database_of(api.app)  # type: ignore[attr-defined]
    async with database.session_factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(audit_log).where(audit_log.c.academy_id == academy)
        )
    assert count == 1  # the registration only
