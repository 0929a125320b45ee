"""People and machines from the real OpenID Connect provider (Keycloak, started by
`make test` from tools/infra/keycloak.py with deploy/keycloak/stem-realm.json; its issuer
in `STEM_TEST_OIDC_ISSUER`), at the services and the gateway (issue 21, docs/adr/0019):

- the gateway's client-credentials token is accepted by a service (its read), and refused
  on a write;
- the demo viewer may read but not decide a recognition; the demo decider may decide (the
  decision is recorded), the demo editor may not; the decider may not register an academy
  and the editor may; the decider starts a subsidy calculation run, the viewer may not;
- the gateway serves the viewer's ops reads, not the coordinator's;
- /ops signs a person in through the provider's login page (authorization code + PKCE).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr

from gateway.adapters.upstreams import UPSTREAMS, open_upstreams
from gateway.config import Settings as GatewaySettings
from gateway.entrypoints.api import create_app as gateway_app
from registry.bootstrap import migrate as migrate_registry
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api import create_app as registry_app
from registry.entrypoints.api import database_of
from registry.entrypoints.cli import load_reference_data
from stemkit.access.oidc_client import ClientCredentials
from tools.demo.academies import seed_demo_academies

LEUVEN = "bf21f5c6-1387-56cd-ab9a-01ce5f3ef5c2"  # [DEMO] STEM-academie Leuven Codeert
PASSWORDS = {
    "ops-viewer": "ops-viewer-demo-password",
    "ops-editor": "ops-editor-demo-password",
    "ops-decider": "ops-decider-demo-password",
    "coordinator-leuven": "coordinator-leuven-demo-password",
}
GATEWAY_SECRET = "dev-stem-gateway-client-secret-for-make-run-and-tests"
OPS_CLIENT_SECRET = "dev-stem-ops-client-secret-for-make-run-and-tests"


@pytest.fixture(scope="module")
def issuer() -> str:
    value = os.environ.get("STEM_TEST_OIDC_ISSUER")
    if not value:
        pytest.fail(
            "STEM_TEST_OIDC_ISSUER is not set: run with `make test`, which starts Keycloak "
            "(tools/infra/keycloak.py) and exports it",
            pytrace=False,
        )
    return value


async def person_token(issuer: str, username: str) -> str:
    """A person's access token (the realm's `stem-tests` client: password grant, tests only)."""
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(
            f"{issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "stem-tests",
                "username": username,
                "password": PASSWORDS[username],
                "scope": "openid",
            },
        )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _common(issuer: str, data_dir: Path) -> dict[str, Any]:
    return {
        "data_dir": str(data_dir),
        "environment": "test",
        "kafka_bootstrap_servers": "127.0.0.1:1",  # the outbox is not relayed here
        "ops_token": SecretStr("identity-test-ops-token-0123456789abcdef"),
        "oidc_issuer": issuer,
    }


@pytest.fixture
async def registry(issuer: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = RegistrySettings(**_common(issuer, tmp_path))
    await asyncio.to_thread(migrate_registry, settings)
    await load_reference_data(settings)
    await seed_demo_academies(settings)
    app = registry_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://registry", timeout=30
    ) as client:
        yield client
    await database_of(app).dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def decision(status: str = "renewal_due") -> dict[str, str]:
    return {"status": status, "decided_on": "2024-01-15", "reason": "dossier", "author": "x"}


async def test_the_gateways_client_credentials_read_but_do_not_write(
    issuer: str, registry: httpx.AsyncClient
) -> None:
    credentials = ClientCredentials(issuer, "stem-gateway", GATEWAY_SECRET)
    token = await credentials.token()
    read = await registry.get("/academies", headers=bearer(token))
    assert read.status_code == 200, read.text
    assert LEUVEN in {academy["id"] for academy in read.json()}
    write = await registry.post(
        f"/academies/{LEUVEN}/recognition", json=decision(), headers=bearer(token)
    )
    assert write.status_code == 403, write.text
    assert await credentials.token() == token and credentials.fetched == 1  # kept


async def test_each_person_may_do_what_their_role_allows(
    issuer: str, registry: httpx.AsyncClient
) -> None:
    viewer, editor, decider = [
        await person_token(issuer, name) for name in ("ops-viewer", "ops-editor", "ops-decider")
    ]
    assert (await registry.get("/academies", headers=bearer(viewer))).status_code == 200
    path = f"/academies/{LEUVEN}/recognition"
    for not_a_decider in (viewer, editor):
        answer = await registry.post(path, json=decision(), headers=bearer(not_a_decider))
        assert answer.status_code == 403, answer.text
    # The demo academy is recognised: a renewal is one of the steps allowed from there.
    decided = await registry.post(path, json=decision("renewal_due"), headers=bearer(decider))
    assert decided.status_code == 201, decided.text
    history = (await registry.get(path, headers=bearer(viewer))).json()["history"]
    assert history[-1]["status"] == "renewal_due"

    academy = {"demo": True, "name": "[DEMO] Identity test academy", "home_nis_code": "24062"}
    refused = await registry.post("/academies", json=academy, headers=bearer(decider))
    assert refused.status_code == 403, refused.text
    registered = await registry.post("/academies", json=academy, headers=bearer(editor))
    assert registered.status_code == 201, registered.text


async def _sign_in(client: httpx.AsyncClient, username: str) -> httpx.Response:
    """The browser's way: /ops/auth/start, the provider's login form, back to the callback."""
    answer = await client.get("/ops/auth/start", follow_redirects=True)
    assert answer.status_code == 200, answer.text[:300]
    found = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', answer.text)
    assert found, answer.text[:500]
    return await client.post(
        unescape(found.group(1)),
        data={"username": username, "password": PASSWORDS[username], "credentialId": ""},
        follow_redirects=True,
    )


async def test_ops_sign_in_through_the_provider_and_graphql_by_role(
    issuer: str, tmp_path: Path
) -> None:
    settings = GatewaySettings(
        **_common(issuer, tmp_path),
        ops_oidc_client_secret=SecretStr(OPS_CLIENT_SECRET),
        response_cache_seconds=0,
    )
    app = gateway_app(settings)
    here = "http://127.0.0.1:8999"  # a loopback address the realm accepts as a redirect

    def browser() -> httpx.AsyncClient:  # its own cookies, the provider's session too
        mounts = {here: httpx.ASGITransport(app)}
        client = httpx.AsyncClient(base_url=here, mounts=mounts, timeout=60)

        async def loopback_is_secure(_: httpx.Response) -> None:
            # As browsers do: http://127.0.0.1 is a secure context, so Keycloak's `Secure`
            # cookies go back to it (httpx, like the standard library, sends them over
            # https only).
            for cookie in client.cookies.jar:
                cookie.secure = False

        client.event_hooks["response"] = [loopback_is_secure]
        return client

    async with app.router.lifespan_context(app):
        async with browser() as viewer_browser:
            login = await viewer_browser.get("/ops/login")
            assert 'id="sign-in-provider"' in login.text
            signed_in = await _sign_in(viewer_browser, "ops-viewer")
            assert signed_in.status_code == 200, signed_in.text[:500]
            assert "ops-viewer" in signed_in.text  # "Signed in as ops-viewer"
            page = await viewer_browser.get("/ops/follow-up")
            assert page.status_code == 200 and "/ops/login" not in str(page.url)

        async with browser() as coordinator_browser:
            refused = await _sign_in(coordinator_browser, "coordinator-leuven")
            assert refused.status_code == 403  # no ops role: no session
            assert not coordinator_browser.cookies.get("stem_ops_session")

        async with browser() as client:
            query = {"query": "{ __typename }"}
            viewer = await person_token(issuer, "ops-viewer")
            ok = await client.post("/graphql", json=query, headers=bearer(viewer))
            assert ok.status_code == 200 and ok.json()["data"] == {"__typename": "Query"}
            coordinator = await person_token(issuer, "coordinator-leuven")
            no = await client.post("/graphql", json=query, headers=bearer(coordinator))
            assert no.status_code == 401


async def test_the_cli_and_gateway_present_their_own_client_credentials(
    issuer: str, tmp_path: Path
) -> None:
    """`stem` (STEM_CLI_OIDC_CLIENT_*) and the gateway (GATEWAY_OIDC_CLIENT_*) put their own
    client's access token on every upstream request, not their static tokens."""
    seen: list[str] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"].removeprefix("Bearer "))
        return httpx.Response(200, json=[])

    settings = GatewaySettings(
        **_common(issuer, tmp_path),
        oidc_client_id="stem-gateway",
        oidc_client_secret=SecretStr(GATEWAY_SECRET),
        cli_oidc_client_id="stem-cli",
        cli_oidc_client_secret=SecretStr("dev-stem-cli-client-secret-for-make-run-and-tests"),
    )
    transports = {name: httpx.MockTransport(upstream) for name in UPSTREAMS}
    for credentials, client_id in (
        (settings.machine_credentials(cli=True), "stem-cli"),
        (None, "stem-gateway"),  # the gateway's own, the default
    ):
        token = settings.cli_token if client_id == "stem-cli" else None
        upstreams = open_upstreams(settings, transports, token=token, credentials=credentials)
        await upstreams.registry.get("/academies")
        await upstreams.subsidy.get("/subsidies")
        await upstreams.aclose()
        first, second = seen[-2:]
        assert first == second  # one token for both, kept
        claims = jwt.decode(first, options={"verify_signature": False})
        assert claims["azp"] == client_id and claims["iss"] == issuer
