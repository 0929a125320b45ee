"""/ops/audit shows what a person did in the activities service (issue 21, ADR 0020), in
front of the real registry, activities and subsidy apps (SQLite, in process) and the real
identity provider (Keycloak, `STEM_TEST_OIDC_ISSUER`): an editor replays a quarantined
delivery with their own access token and a reason; the activities service records it with
the person from the token, and the gateway's audit page (and GraphQL `auditTrail`) shows it
with that person, among every service's newest changes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr

from activities.adapters import delivery_store as deliveries
from gateway.config import Settings as GatewaySettings
from stemkit.settings import DEV_GATEWAY_TOKEN, DEV_OPS_TOKEN
from tests.browser.service_apps import ServiceApps

EDITOR, EDITOR_PASSWORD = "ops-editor", "ops-editor-demo-password"  # the realm's demo editor


@dataclass
class Platform:
    gateway: httpx.AsyncClient
    activities: httpx.AsyncClient
    activities_app: Any


@pytest.fixture
def issuer() -> str:
    value = os.environ.get("STEM_TEST_OIDC_ISSUER")
    if not value:
        pytest.fail(
            "STEM_TEST_OIDC_ISSUER is not set: run with `make test`, which starts Keycloak",
            pytrace=False,
        )
    return value


async def person_token(issuer: str) -> str:
    """The demo editor's access token (the realm's `stem-tests` client: password grant)."""
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(
            f"{issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "stem-tests",
                "username": EDITOR,
                "password": EDITOR_PASSWORD,
                "scope": "openid",
            },
        )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


@pytest.fixture
def service_settings(issuer: str) -> dict[str, Any]:
    return {"oidc_issuer": issuer}


@pytest.fixture
async def platform(services: ServiceApps) -> AsyncIterator[Platform]:
    activities = await services.client("activities", timeout=30)
    settings = GatewaySettings(
        environment="development", gateway_token=SecretStr(DEV_GATEWAY_TOKEN)
    )
    client = await services.gateway_client(settings)
    yield Platform(client, activities, services.apps["activities"])


async def test_ops_audit_shows_a_quarantine_replay_with_the_person(
    issuer: str, platform: Platform
) -> None:
    database = platform.activities_app.state.database
    async with database.session_factory.begin() as session:  # as the worker quarantines one
        await deliveries.record(
            session, "msg_no_name", "{}", "webhook", error="the event has no name"
        )
    token = await person_token(issuer)
    person = jwt.decode(token, options={"verify_signature": False})
    replayed = await platform.activities.post(
        "/quarantine/replay",
        json={"webhook_ids": ["msg_no_name"], "reason": "UiTdatabank fixed the name"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert replayed.json() == {"replayed": 1}, replayed.text

    gw = platform.gateway
    signed = await gw.post("/ops/login", data={"token": DEV_OPS_TOKEN})
    assert signed.status_code == 303, signed.text
    page = await gw.get("/ops/audit", params={"lang": "en"})
    assert page.status_code == 200, page.text[:500]
    assert f"{person['sub']} (oidc)" in page.text  # who, as the token said
    assert EDITOR in page.text and "static:ops" not in page.text
    assert "quarantine replayed" in page.text and "activities: msg_no_name" in page.text
    assert "status: quarantined → received" in page.text
    assert "UiTdatabank fixed the name" in page.text

    answer = await gw.post(
        "/graphql",
        json={"query": "{ auditTrail { service academyId actor { subject name } action } }"},
        headers={"Authorization": f"Bearer {DEV_OPS_TOKEN}"},
    )
    assert answer.json()["data"]["auditTrail"] == [
        {
            "service": "activities",
            "academyId": None,
            "actor": {"subject": person["sub"], "name": EDITOR},
            "action": "replayed",
        }
    ]
