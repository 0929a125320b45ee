"""Academy self-service on PostgreSQL and SQLite (issue 21): a coordinator, through the
gateway, sees and changes only their own academy; organizer ids they ask to link stay
pending until ops confirm; every change is audited with the coordinator as actor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from conftest import fresh_database
from registry.bootstrap import MIGRATIONS
from registry.config import Settings
from registry.entrypoints.api import create_app, database_of
from registry.entrypoints.self_service_routes import ACADEMY_HEADER
from stemkit.access.actor import NAME_HEADER, SUBJECT_HEADER, VIA_HEADER
from stemkit.settings import DEV_GATEWAY_TOKEN
from stemkit.storage.migrations import upgrade_to_head

OPS_TOKEN = "registry-self-service-test-ops-token-32-chars"
OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
GATEWAY = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}
ORGANIZER = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with AsyncExitStack() as stack:
        if request.param == "postgres":
            url = await stack.enter_async_context(fresh_database())
        else:
            url = f"sqlite+aiosqlite:///{tmp_path}/registry.db"
        await asyncio.to_thread(upgrade_to_head, url, MIGRATIONS)
        settings = Settings(
            database_url=url,
            ops_token=SecretStr(OPS_TOKEN),
            environment="test",
            kafka_bootstrap_servers="127.0.0.1:1",
        )
        app = create_app(settings)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://registry"
        ) as http:
            yield http
        await database_of(app).dispose()


def coordinator_of(academy: str, subject: str = "sub-coordinator-a") -> dict[str, str]:
    """What the gateway sends for a signed-in coordinator of `academy`."""
    return GATEWAY | {
        SUBJECT_HEADER: subject,
        NAME_HEADER: "Coordinator%20A",
        VIA_HEADER: "oidc",
        ACADEMY_HEADER: academy,
    }


async def academy(api: httpx.AsyncClient, name: str) -> str:
    created = await api.post("/academies", json={"name": name}, headers=OPS)
    assert created.status_code == 201, created.text
    found: str = created.json()["id"]
    return found


async def test_a_coordinator_keeps_their_own_academy_only(api: httpx.AsyncClient) -> None:
    own, other = await academy(api, "Codeclub Eigen"), await academy(api, "Robotclub Ander")
    me = coordinator_of(own)
    base = f"/self-service/academies/{own}"
    shown = await api.get(base, headers=me)
    assert shown.status_code == 200 and shown.json()["academy"]["name"] == "Codeclub Eigen"
    profile = await api.patch(
        f"{base}/profile", json={"website": "https://eigen.example"}, headers=me
    )
    assert profile.status_code == 200, profile.text
    report = {"year": 2024, "participants": 50, "under_14": 35, "from_14": 15}
    reported = await api.post(f"{base}/participant-reports", json=report, headers=me)
    assert reported.status_code == 201, reported.text
    asked = await api.post(
        f"{base}/organizer-link-requests", json={"organizer_id": ORGANIZER}, headers=me
    )
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    # Not linked yet: the academy's organizer ids are unchanged until ops confirm.
    assert (await api.get(f"/academies/{own}", headers=OPS)).json()["uit_organizer_ids"] == []

    # Every door to the other academy is shut, whatever the request says.
    other_base = f"/self-service/academies/{other}"
    attempts: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
        ("GET", other_base, None, me),
        ("PATCH", f"{other_base}/profile", {"website": "https://x.example"}, me),
        ("POST", f"{other_base}/participant-reports", report, me),
        ("GET", f"{other_base}/participant-reports", None, me),
        ("POST", f"{other_base}/organizer-link-requests", {"organizer_id": ORGANIZER}, me),
        ("GET", other_base, None, GATEWAY),  # the gateway naming no one
        ("GET", other_base, None, OPS),  # ops use the ordinary routes
        ("GET", base, None, GATEWAY | {ACADEMY_HEADER: own}),  # an academy but no person
        ("GET", base, None, {ACADEMY_HEADER: own, SUBJECT_HEADER: "x"}),  # no credential
    ]
    for method, path, body, headers in attempts:
        answer = await api.request(method, path, json=body, headers=headers)
        assert answer.status_code in (401, 403), (method, path, answer.status_code)
    # The gateway's token writes nothing by the ordinary routes either.
    assert (
        await api.post(f"/academies/{other}/participant-reports", json=report, headers=me)
    ).status_code == 403

    # Ops confirm the link; then it is linked, and the trail names both people.
    pending = (await api.get("/organizer-link-requests", headers=OPS)).json()
    (request,) = [r for r in pending if r["academy_id"] == own]
    confirmed = await api.post(
        f"/organizer-link-requests/{request['request_id']}/confirm", headers=OPS
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = await api.post(f"/organizer-link-requests/{request['request_id']}/confirm", headers=OPS)
    assert again.status_code == 409
    linked = (await api.get(f"/academies/{own}", headers=OPS)).json()["uit_organizer_ids"]
    assert linked == [ORGANIZER]
    trail = (await api.get("/audit", params={"academy_id": own}, headers=OPS)).json()
    by_coordinator = {
        (e["entity"], e["action"]) for e in trail if e["actor"]["subject"] == "sub-coordinator-a"
    }
    assert by_coordinator == {
        ("academy", "updated"),
        ("participant_report", "reported"),
        ("organizer_link", "requested"),
    }
    assert {e["actor"]["via"] for e in trail if e["actor"]["subject"] == "sub-coordinator-a"} == {
        "gateway/oidc"
    }
    by_ops = {(e["entity"], e["action"]) for e in trail if e["actor"]["subject"] == "static:ops"}
    assert {("organizer_link", "confirmed"), ("organizer_link", "linked")} <= by_ops
    other_trail = (await api.get("/audit", params={"academy_id": other}, headers=OPS)).json()
    assert [e["action"] for e in other_trail] == ["registered"]
