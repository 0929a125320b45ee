"""The /ops pages that change things (issue 21), in front of the real registry, activities and
subsidy apps (SQLite, in process): an editor confirms the organizer a coordinator asked to
link, and the registry records the person; an admin makes and revokes partner keys, and the
page says who did. A viewer sees the requests without buttons, and every forged post is
refused. People's sessions are opened as the provider sign-in opens them (the session store,
with the person's principal); the sign-in itself is tested in test_provider_sign_in*."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from gateway.config import Settings as GatewaySettings
from gateway.ops_web.session import COOKIE
from gateway.schema.context import Caller
from gateway.schema.scopes import ALL_SCOPES
from stemkit.access.identity import ADMIN, DECIDER, EDITOR, VIEWER, Principal
from stemkit.settings import DEV_GATEWAY_TOKEN, DEV_OPS_TOKEN
from tests.browser.service_apps import ServiceApps

OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
COORDINATOR_TOKEN = "dev-coordinator-token-of-the-link-academy"
ORGANIZER = "0a1b2c3d-4e5f-4061-8273-948596a7b8c9"
QUERY = {"query": "{ __typename }"}


@dataclass
class Platform:
    gateway: FastAPI
    registry: httpx.AsyncClient
    academy: str
    data_dir: Path
    stack: AsyncExitStack

    async def person(self, name: str, *roles: str) -> httpx.AsyncClient:
        """A browser of a person signed in with these roles."""
        principal = Principal(
            subject=f"sub-{name}",
            name=name,
            roles=frozenset(roles),
            academy_id=None,
            via="oidc",
        )
        caller = Caller(id=f"oidc:sub-{name}", kind="ops", scopes=ALL_SCOPES, principal=principal)
        session_id = self.gateway.state.ops_sessions.open(caller)
        return await self.browser({"Cookie": f"{COOKIE}={session_id}"})

    async def browser(self, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        return await self.stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(self.gateway),
                base_url="http://gw",
                headers=headers or {},
            )
        )


@pytest.fixture
async def platform(services: ServiceApps, tmp_path: Path) -> AsyncIterator[Platform]:
    registry = await services.client("registry")
    created = await registry.post("/academies", json={"name": "Codeclub Koppel"}, headers=OPS)
    academy = created.json()["id"]
    settings = GatewaySettings(
        environment="development",
        data_dir=str(tmp_path),
        dev_coordinator_tokens={COORDINATOR_TOKEN: academy},
        gateway_token=SecretStr(DEV_GATEWAY_TOKEN),
        response_cache_seconds=0,
    )
    gateway = await services.gateway(settings)
    yield Platform(gateway, registry, academy, tmp_path, services.stack)


async def _ask_to_link(platform: Platform) -> str:
    coordinator = await platform.browser()
    signed = await coordinator.post("/academie/aanmelden", data={"token": COORDINATOR_TOKEN})
    assert signed.status_code == 303, signed.text
    asked = await coordinator.post("/academie/profiel", data={"organizer_id": ORGANIZER})
    assert asked.status_code in (200, 303), asked.text[:300]
    pending = await platform.registry.get("/organizer-link-requests", headers=OPS)
    (request,) = pending.json()
    request_id: str = request["request_id"]
    return request_id


async def test_an_editor_links_the_organizer_a_coordinator_asked_for(platform: Platform) -> None:
    request_id = await _ask_to_link(platform)
    confirm = f"/ops/link-requests/{request_id}/confirm"

    assert (await (await platform.browser()).get("/ops/link-requests")).status_code == 303
    viewer = await platform.person("Vera Viewer", VIEWER)
    page = await viewer.get("/ops/link-requests")
    assert page.status_code == 200, page.text[:300]
    assert "Codeclub Koppel" in page.text and ORGANIZER in page.text
    assert "/confirm" not in page.text and 'id="read-only"' in page.text
    assert (await viewer.post(confirm, data={"reason": "x"})).status_code == 403
    for role in (DECIDER, ADMIN):  # neither edits academies (docs/adr/0019)
        other = await platform.person(f"Not an editor ({role})", role)
        assert (await other.post(confirm)).status_code == 403

    editor = await platform.person("Ed Itor", EDITOR)
    page = await editor.get("/ops/link-requests", params={"lang": "en"})
    assert (
        confirm in page.text and 'name="reason"' in page.text and "Linking organizers" in page.text
    )
    assert "/ops/keys" not in page.text  # an editor is no admin: no keys in the navigation
    forged = await editor.post(confirm, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403
    done = await editor.post(confirm, data={"reason": "the coordinator's own club"})
    assert done.status_code == 303, done.text[:300]
    assert done.headers["location"] == "/ops/link-requests?done=confirmed"
    after = await editor.get(done.headers["location"])
    assert "Verzoek bevestigd" in after.text and "Geen openstaande verzoeken." in after.text
    again = await editor.post(confirm)
    assert again.status_code == 409 and "niet meer open" in again.text

    linked = await platform.registry.get(f"/academies/{platform.academy}", headers=OPS)
    assert linked.json()["uit_organizer_ids"] == [ORGANIZER]
    trail = await platform.registry.get(
        "/audit", params={"academy_id": platform.academy}, headers=OPS
    )
    confirmed = [e for e in trail.json() if e["action"] == "confirmed"]
    assert [(e["actor"]["subject"], e["actor"]["name"], e["actor"]["via"]) for e in confirmed] == [
        ("sub-Ed Itor", "Ed Itor", "gateway/oidc")
    ]
    assert confirmed[0]["reason"] == "the coordinator's own club"


async def test_an_editor_rejects_and_the_shared_dev_token_stands_for_ops(
    platform: Platform,
) -> None:
    request_id = await _ask_to_link(platform)
    ops = await platform.browser()
    assert (await ops.post("/ops/login", data={"token": DEV_OPS_TOKEN})).status_code == 303
    page = await ops.get("/ops/link-requests")
    assert "/reject" in page.text and "/ops/keys" in page.text  # every staff role
    rejected = await ops.post(f"/ops/link-requests/{request_id}/reject", data={"reason": "no"})
    assert rejected.status_code == 303
    academy = await platform.registry.get(f"/academies/{platform.academy}", headers=OPS)
    assert academy.json()["uit_organizer_ids"] == []
    trail = await platform.registry.get(
        "/audit", params={"academy_id": platform.academy}, headers=OPS
    )
    assert [e["actor"]["subject"] for e in trail.json() if e["action"] == "rejected"] == [
        "static:ops"
    ]


async def test_an_admin_makes_and_revokes_partner_keys(platform: Platform) -> None:
    for role in (VIEWER, EDITOR, DECIDER):
        someone = await platform.person(f"Not an admin ({role})", role)
        assert (await someone.get("/ops/keys")).status_code == 403
        assert (await someone.post("/ops/keys", data={"name": "Sneaky"})).status_code == 403
        assert "/ops/keys" not in (await someone.get("/ops/link-requests")).text
    assert (await (await platform.browser()).get("/ops/keys")).status_code == 303

    admin = await platform.person("Ada Admin", ADMIN)
    empty = await admin.get("/ops/keys", params={"lang": "en"})
    assert empty.status_code == 200 and "No keys yet." in empty.text
    assert 'href="/ops/keys?lang=en" aria-current="page"' in empty.text
    assert (await admin.post("/ops/keys", data={"name": " "})).status_code == 422
    forged = await admin.post(
        "/ops/keys", data={"name": "X"}, headers={"Sec-Fetch-Site": "same-site"}
    )
    assert forged.status_code == 403
    made = await admin.post("/ops/keys", data={"name": "Technopolis", "safelist_only": "on"})
    assert made.status_code == 201, made.text[:300]
    found = re.search(r'<code id="new-key-value">(stem_[0-9a-f]{8}_[\w-]+)</code>', made.text)
    assert found, made.text[:1000]
    plain = found.group(1)
    key_id = plain.split("_")[1]
    partner = await platform.browser({"X-API-Key": plain})
    # Known (a safelist-only key: the ad-hoc query itself is refused, the key is not).
    assert (await partner.post("/graphql", json=QUERY)).status_code != 401

    listed = await admin.get("/ops/keys")
    assert plain not in listed.text and plain.split("_")[2] not in listed.text  # never again
    assert key_id in listed.text and "door Ada Admin &lt;sub-Ada Admin&gt;" in listed.text
    revoked = await admin.post(f"/ops/keys/{key_id}/revoke")
    assert revoked.status_code == 200 and f"Sleutel {key_id} ingetrokken." in revoked.text
    assert (await partner.post("/graphql", json=QUERY)).status_code == 401
    assert (await admin.post("/ops/keys/00000000/revoke")).status_code == 404

    stored = json.loads((platform.data_dir / "gateway-keys.json").read_text())["keys"]
    assert [(k["created_by"], k["revoked_by"]) for k in stored] == [
        ("Ada Admin <sub-Ada Admin>", "Ada Admin <sub-Ada Admin>")
    ]
    assert stored[0]["revoked"] and stored[0]["safelist_only"] is True

    # A store this replica cannot write (in Kubernetes: a read-only mounted Secret): said so.
    (platform.data_dir / "gateway-keys.tmp").mkdir()
    refused = await admin.post("/ops/keys", data={"name": "Nowhere"}, params={"lang": "en"})
    assert refused.status_code == 503 and "use the CLI" in refused.text
    assert "Nowhere" not in refused.text.split('id="keys"')[-1]
