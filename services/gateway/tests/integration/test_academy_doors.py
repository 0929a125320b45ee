"""Academy self-service through the gateway, in front of the real registry, activities and
subsidy apps (SQLite, in process; issue 21): a coordinator signs in with a development
coordinator token, reports participants and keeps the profile of their own academy, and
finds no door open to another academy: pages, GraphQL, REST via the gateway and the
services' own routes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from activities.bootstrap import MIGRATIONS as ACTIVITIES_MIGRATIONS
from activities.config import Settings as ActivitiesSettings
from activities.entrypoints.api import create_app as activities_app
from gateway.config import Settings as GatewaySettings
from gateway.entrypoints.api import create_app as gateway_app
from registry.bootstrap import MIGRATIONS as REGISTRY_MIGRATIONS
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api import create_app as registry_app
from stemkit.migrations import upgrade_to_head
from stemkit.settings import DEV_GATEWAY_TOKEN, DEV_OPS_TOKEN
from subsidy.bootstrap import MIGRATIONS as SUBSIDY_MIGRATIONS
from subsidy.config import Settings as SubsidySettings
from subsidy.entrypoints.api import create_app as subsidy_app

OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
TOKEN_A = "dev-coordinator-token-of-academy-a-for-tests"
TOKEN_NONE = "dev-coordinator-token-of-no-academy-at-all"


@dataclass
class Platform:
    gateway: httpx.AsyncClient
    registry: httpx.AsyncClient
    own: str
    other: str


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    common: dict[str, Any] = {
        "environment": "development",
        "kafka_bootstrap_servers": "127.0.0.1:1",
    }
    urls = {name: f"sqlite+aiosqlite:///{tmp_path}/{name}.db" for name in ("r", "a", "s")}
    for url, migrations in (
        (urls["r"], REGISTRY_MIGRATIONS),
        (urls["a"], ACTIVITIES_MIGRATIONS),
        (urls["s"], SUBSIDY_MIGRATIONS),
    ):
        await asyncio.to_thread(upgrade_to_head, url, migrations)
    apps = {
        "registry": registry_app(RegistrySettings(database_url=urls["r"], **common)),
        "activities": activities_app(ActivitiesSettings(database_url=urls["a"], **common)),
        "subsidy": subsidy_app(SubsidySettings(database_url=urls["s"], **common)),
    }
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        registry = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(apps["registry"]), base_url="http://registry"
            )
        )
        own = (await registry.post("/academies", json={"name": "Codeclub A"}, headers=OPS)).json()
        other = (
            await registry.post(
                "/academies",
                json={"name": "Robotclub B", "website": "https://b-secret.example"},
                headers=OPS,
            )
        ).json()
        settings = GatewaySettings(
            environment="development",
            dev_coordinator_tokens={TOKEN_A: own["id"], TOKEN_NONE: ""},
            gateway_token=SecretStr(DEV_GATEWAY_TOKEN),
        )
        gateway = gateway_app(
            settings,
            transports={name: httpx.ASGITransport(app) for name, app in apps.items()},
        )
        await stack.enter_async_context(gateway.router.lifespan_context(gateway))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gw")
        )
        yield Platform(client, registry, own["id"], other["id"])


async def test_a_coordinator_reports_and_keeps_their_own_academy(platform: Platform) -> None:
    gw = platform.gateway
    assert (await gw.get("/academie")).headers["location"] == "/academie/aanmelden"
    refused = await gw.post("/academie/aanmelden", data={"token": "wrong"})
    assert refused.status_code == 401
    signed = await gw.post("/academie/aanmelden?lang=fr", data={"token": TOKEN_A})
    assert signed.status_code == 303, signed.text
    cookie = signed.headers["set-cookie"]
    for flag in ("HttpOnly", "Path=/academie", "SameSite=strict"):
        assert flag in cookie
    page = await gw.get("/academie", params={"lang": "fr"})
    assert page.status_code == 200, page.text[:300]
    assert "Codeclub A" in page.text and 'lang="fr"' in page.text and "Portée en" in page.text
    reported = await gw.post(
        "/academie/deelnemers",
        data={"year": "2024", "quarter": "2", "under_14": "12", "from_14": "3"},
    )
    assert reported.status_code == 303, reported.text
    listed = await gw.get("/academie/deelnemers", params={"lang": "en"})
    row = re.search(r'<table id="reports">.*?</table>', listed.text, re.S)
    assert row and "quarter 2" in row.group(0) and ">15<" in row.group(0)
    kept = await gw.post(
        "/academie/profiel", data={"website": "https://a.example", "contact_email": "a@a.example"}
    )
    assert kept.status_code == 303, kept.text
    asked = await gw.post(
        "/academie/profiel", data={"organizer_id": "11111111-2222-4333-8444-555555555555"}
    )
    assert asked.status_code == 303, asked.text
    profile = await gw.get("/academie/profiel")
    assert "https://a.example" in profile.text and "wacht op VLAIO" in profile.text

    # The registry holds it, the organizer id is not linked until ops confirm, and the trail
    # names the coordinator.
    academy = (await platform.registry.get(f"/academies/{platform.own}", headers=OPS)).json()
    assert academy["website"] == "https://a.example" and academy["uit_organizer_ids"] == []
    trail = (
        await platform.registry.get("/audit", params={"academy_id": platform.own}, headers=OPS)
    ).json()
    subject = f"static:coordinator:{platform.own}"
    assert {e["action"] for e in trail if e["actor"]["subject"] == subject} == {
        "reported",
        "updated",
        "requested",
    }


async def test_no_door_opens_on_another_academy(platform: Platform) -> None:
    gw, other = platform.gateway, platform.other
    await gw.post("/academie/aanmelden", data={"token": TOKEN_A})
    # Pages: whatever names the other academy, the pages show and change only the own one.
    for path in (
        f"/academie?academy={other}",
        f"/academie?academy_id={other}",
        f"/academie/deelnemers?academy={other}",
        f"/academie/profiel?academy_id={other}",
        f"/academie/{other}",
        f"/academie/profiel/{other}",
    ):
        answer = await gw.get(path)
        assert "Robotclub B" not in answer.text and "b-secret" not in answer.text, path
    sneaky = await gw.post(
        f"/academie/profiel?academy_id={other}",
        data={"website": "https://hijacked.example", "academy_id": other},
    )
    assert sneaky.status_code in (303, 422)
    b = (await platform.registry.get(f"/academies/{other}", headers=OPS)).json()
    assert b["website"] == "https://b-secret.example"
    # GraphQL and the gateway's REST feeds: a coordinator's token is no credential there.
    for headers in ({"Authorization": f"Bearer {TOKEN_A}"}, {"X-API-Key": TOKEN_A}):
        query = (
            f'{{ auditTrail(academyId: "{other}") {{ id }} '
            f'participantReports(academyId: "{other}") {{ id }} }}'
        )
        answer = await gw.post("/graphql", json={"query": query}, headers=headers)
        assert answer.status_code == 401
        feed = await gw.get("/feeds/activities.jsonld", headers=headers, params={"key": TOKEN_A})
        assert feed.status_code in (401, 403)
    # The services' own doors: the coordinator's development token means nothing there, and
    # the gateway's credential opens the other academy's self-service for no one.
    registry = platform.registry
    path = f"/self-service/academies/{other}"
    assert (
        await registry.get(path, headers={"Authorization": f"Bearer {TOKEN_A}"})
    ).status_code == 401
    gateway_for_a = {
        "Authorization": f"Bearer {DEV_GATEWAY_TOKEN}",
        "X-Stem-Actor-Subject": f"static:coordinator:{platform.own}",
        "X-Stem-Actor-Academy": platform.own,
    }
    assert (await registry.get(path, headers=gateway_for_a)).status_code == 403
    report = {"year": 2024, "participants": 1}
    assert (
        await registry.post(f"{path}/participant-reports", json=report, headers=gateway_for_a)
    ).status_code == 403
    assert (
        await registry.post(
            f"/academies/{other}/participant-reports", json=report, headers=gateway_for_a
        )
    ).status_code == 403
    # A token of no academy signs in to nothing.
    fresh = httpx.AsyncClient(transport=gw._transport, base_url="http://gw")
    async with fresh:
        assert (
            await fresh.post("/academie/aanmelden", data={"token": TOKEN_NONE})
        ).status_code in (303, 401)
        assert (await fresh.get("/academie")).status_code == 303
