"""Who may decide an organizer link request, and what confirming announces (issue 21,
docs/adr/0021), on SQLite and PostgreSQL.

Linking an organizer changes an academy: an editor decides (write + edit), or the gateway's
/ops page naming the person, who is then the actor in the trail; the gateway by itself, a
caller with only `write` (a decider's scopes) or a reader is refused. Confirming announces
`AcademyUpdated` with the organizer among the academy's ids: the event the activities and
subsidy services take to count its activities for the academy (activities:
test_unknown_organizers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from conftest import fresh_database
from registry.bootstrap import MIGRATIONS
from registry.config import Settings
from registry.entrypoints.api import create_app, database_of
from registry.entrypoints.self_service_routes import ACADEMY_HEADER
from stemkit.access.actor import NAME_HEADER, ROLES_HEADER, SUBJECT_HEADER, VIA_HEADER
from stemkit.contracts.registry import AcademyUpdated
from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox
from stemkit.storage.migrations import upgrade_to_head

OPS_TOKEN = "registry-link-decisions-ops-token-0123456"
GATEWAY_TOKEN = "registry-link-decisions-gateway-token-01"
CLI_TOKEN = "registry-link-decisions-cli-token-012345"
OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
GATEWAY = {"Authorization": f"Bearer {GATEWAY_TOKEN}"}
ORGANIZER = "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98"
PERSON = {SUBJECT_HEADER: "sub-ed", NAME_HEADER: "Ed%20Itor", VIA_HEADER: "oidc"}
EDITOR = PERSON | {ROLES_HEADER: "editor"}


@dataclass
class Registry:
    http: httpx.AsyncClient
    app: FastAPI


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
async def registry(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Registry]:
    async with AsyncExitStack() as stack:
        if request.param == "postgres":
            url = await stack.enter_async_context(fresh_database())
        else:
            url = f"sqlite+aiosqlite:///{tmp_path}/registry.db"
        await asyncio.to_thread(upgrade_to_head, url, MIGRATIONS)
        settings = Settings(
            database_url=url,
            ops_token=SecretStr(OPS_TOKEN),
            gateway_token=SecretStr(GATEWAY_TOKEN),
            cli_token=SecretStr(CLI_TOKEN),
            # The CLI here with a decider's service scopes: write without edit.
            caller_scopes={"gateway": ["read", "ops"], "cli": ["read", "ops", "write", "decide"]},
            environment="test",
            kafka_bootstrap_servers="127.0.0.1:1",
        )
        app = create_app(settings)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://registry"
        ) as http:
            yield Registry(http, app)
        await database_of(app).dispose()


async def _asked(api: httpx.AsyncClient) -> tuple[str, str]:
    created = await api.post("/academies", json={"name": "Codeclub Links"}, headers=OPS)
    academy: str = created.json()["id"]
    coordinator = GATEWAY | {
        SUBJECT_HEADER: "sub-co",
        NAME_HEADER: "Co",
        VIA_HEADER: "oidc",
        ACADEMY_HEADER: academy,
    }
    asked = await api.post(
        f"/self-service/academies/{academy}/organizer-link-requests",
        json={"organizer_id": ORGANIZER},
        headers=coordinator,
    )
    assert asked.status_code == 201, asked.text
    request_id: str = asked.json()["request_id"]
    return academy, request_id


async def test_only_editors_or_the_gateway_naming_a_person_decide(registry: Registry) -> None:
    api = registry.http
    academy, request_id = await _asked(api)
    confirm = f"/organizer-link-requests/{request_id}/confirm"
    for refused in (
        GATEWAY,  # the gateway by itself names no one
        {"Authorization": f"Bearer {CLI_TOKEN}"},  # write + decide, no edit
        {"Authorization": f"Bearer {CLI_TOKEN}"} | EDITOR,  # only the gateway may name people
        GATEWAY | PERSON,  # naming a person without their roles
        GATEWAY | PERSON | {ROLES_HEADER: "viewer,decider"},  # whose roles do not allow it
    ):
        answer = await api.post(confirm, headers=refused)
        assert answer.status_code == 403, answer.text
    listed = await api.get("/organizer-link-requests", headers=GATEWAY)
    assert [r["request_id"] for r in listed.json()] == [request_id]  # still pending

    confirmed = await api.post(confirm, params={"reason": "their own"}, headers=GATEWAY | EDITOR)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["decided_by"] == "Ed Itor <sub-ed>"
    trail = (await api.get("/audit", params={"academy_id": academy}, headers=OPS)).json()
    linked = [e for e in trail if e["action"] == "confirmed"]
    assert [(e["actor"]["subject"], e["actor"]["via"], e["reason"]) for e in linked] == [
        ("sub-ed", "gateway/oidc", "their own")
    ]


async def test_confirming_announces_the_academy_with_the_organizer(registry: Registry) -> None:
    api = registry.http
    academy, request_id = await _asked(api)
    rejected_too = await api.post(
        "/self-service/academies/" + academy + "/organizer-link-requests",
        json={"organizer_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"},
        headers=GATEWAY | PERSON | {ACADEMY_HEADER: academy},
    )
    assert rejected_too.status_code == 201
    before = await _announced(registry)
    rejected = await api.post(
        f"/organizer-link-requests/{rejected_too.json()['request_id']}/reject", headers=OPS
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert await _announced(registry) == before  # a rejection changes no academy
    confirmed = await api.post(f"/organizer-link-requests/{request_id}/confirm", headers=OPS)
    assert confirmed.status_code == 200, confirmed.text
    updates = (await _announced(registry))[len(before) :]
    assert len(updates) == 1
    event = AcademyUpdated.model_validate(updates[0].data)
    assert event.academy_id == academy and event.uit_organizer_ids == [ORGANIZER]


async def _announced(registry: Registry) -> list[CloudEvent]:
    """The AcademyUpdated events in the registry's outbox, oldest first."""
    database = database_of(registry.app)
    async with database.session_factory() as session:
        rows = await session.scalars(select(outbox.c.envelope).order_by(outbox.c.seq))
        events = [CloudEvent.model_validate_json(row) for row in rows]
    return [e for e in events if e.type == "be.vlaio.stem.academy.updated.v1"]
