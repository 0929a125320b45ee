"""Signing in at the identity provider for /academie, and out at it for /academie and /ops,
over HTTP against the real Keycloak of `make test` (`STEM_TEST_OIDC_ISSUER`, realm from
deploy/keycloak/stem-realm.json) and the gateway in process (issue 21, docs/adr/0019).

The "browser" is httpx with its own cookie jar, posting Keycloak's own login form.
Proves: a callback whose state is made up, not bound to this browser, already used, or
that brings the provider's refusal opens no session;
a person without the coordinator role and an academy (the demo ops viewer) gets no academy
session and is told why; a coordinator does; signing out of either set of pages sends the
browser to the provider's end-session endpoint with the ID token as hint, after which the
provider asks for a password again.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from gateway.config import Settings
from gateway.entrypoints.api import create_app
from stemkit.settings import DEV_OPS_TOKEN

PASSWORDS = {  # the demo users of deploy/keycloak/stem-realm.json
    "ops-viewer": "ops-viewer-demo-password",
    "coordinator-leuven": "coordinator-leuven-demo-password",
}
LEUVEN = "bf21f5c6-1387-56cd-ab9a-01ce5f3ef5c2"
OPS_CLIENT_SECRET = "dev-stem-ops-client-secret-for-make-run-and-tests"
HERE = "http://127.0.0.1:8998"  # a loopback address the development realm accepts
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')


@pytest.fixture(scope="module")
def issuer() -> str:
    value = os.environ.get("STEM_TEST_OIDC_ISSUER")
    if not value:
        pytest.fail("STEM_TEST_OIDC_ISSUER is not set: run with `make test`", pytrace=False)
    return value


@pytest.fixture
async def app(issuer: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(
        data_dir=str(tmp_path),
        environment="test",
        kafka_bootstrap_servers="127.0.0.1:1",
        oidc_issuer=issuer,
        ops_oidc_client_secret=SecretStr(OPS_CLIENT_SECRET),
        response_cache_seconds=0,
    )
    found = create_app(settings)
    async with found.router.lifespan_context(found):
        yield found


@pytest.fixture
def browser(app: FastAPI) -> Callable[[], httpx.AsyncClient]:
    def one() -> httpx.AsyncClient:  # its own cookies, the provider's session too
        client = httpx.AsyncClient(
            base_url=HERE, mounts={HERE: httpx.ASGITransport(app)}, timeout=60
        )

        async def loopback_is_secure(_: httpx.Response) -> None:
            # As browsers do: http://127.0.0.1 is a secure context, so Keycloak's `Secure`
            # cookies go back to it (httpx sends them over https only).
            for cookie in client.cookies.jar:
                cookie.secure = False

        client.event_hooks["response"] = [loopback_is_secure]
        return client

    return one


async def sign_in(client: httpx.AsyncClient, start: str, username: str) -> httpx.Response:
    """The browser's way: the start, the provider's login form, back to the callback."""
    answer = await client.get(start, follow_redirects=True)
    assert answer.status_code == 200, answer.text[:300]
    found = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', answer.text)
    assert found, answer.text[:500]
    return await client.post(
        unescape(found.group(1)),
        data={"username": username, "password": PASSWORDS[username], "credentialId": ""},
        follow_redirects=True,
    )


def cookie(client: httpx.AsyncClient, name: str) -> str | None:
    return next((c.value for c in client.cookies.jar if c.name == name), None)


async def test_the_sign_in_page_offers_the_provider_first(
    browser: Callable[[], httpx.AsyncClient],
) -> None:
    async with browser() as client:
        page = (await client.get("/academie/aanmelden?lang=fr")).text
        assert 'id="sign-in-provider"' in page
        assert page.index('id="sign-in-provider"') < page.index('name="token"')
        assert 'href="/academie/auth/start?lang=fr"' in page


async def test_a_made_up_or_unbound_state_opens_no_session(
    browser: Callable[[], httpx.AsyncClient],
) -> None:
    async with browser() as client:
        made_up = await client.get("/academie/auth/callback?state=made-up&code=whatever")
        assert made_up.status_code == 400
        assert 'role="alert"' in made_up.text and "unknown or expired sign-in" in made_up.text
        assert cookie(client, "stem_academy_session") is None

    async with browser() as started, browser() as other:
        # A real sign-in started in one browser, its callback presented by another.
        start = await started.get("/academie/auth/start")
        assert start.status_code == 303
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        stolen = await other.get(f"/academie/auth/callback?state={state}&code=whatever")
        assert stolen.status_code == 400
        assert cookie(other, "stem_academy_session") is None


async def test_a_refusal_by_the_provider_or_a_replayed_callback_opens_no_session(
    browser: Callable[[], httpx.AsyncClient],
) -> None:
    async with browser() as client:
        start = await client.get("/academie/auth/start?lang=en")
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        denied = await client.get(f"/academie/auth/callback?state={state}&error=access_denied")
        assert denied.status_code == 400
        assert "the identity provider said access_denied" in denied.text
        again = await client.get(f"/academie/auth/callback?state={state}&code=whatever")
        assert again.status_code == 400  # a state serves once
        assert "unknown or expired sign-in" in again.text
        assert cookie(client, "stem_academy_session") is None


async def test_a_person_who_is_no_coordinator_gets_no_academy_session(
    browser: Callable[[], httpx.AsyncClient],
) -> None:
    async with browser() as client:
        refused = await sign_in(client, "/academie/auth/start?lang=en", "ops-viewer")
        assert refused.status_code == 403, refused.text[:500]
        assert "not the coordinator of an academy" in refused.text
        assert cookie(client, "stem_academy_session") is None
        assert (await client.get("/academie")).headers["location"] == "/academie/aanmelden"


async def test_a_coordinator_signs_in_and_out_at_the_provider(
    browser: Callable[[], httpx.AsyncClient], issuer: str
) -> None:
    async with browser() as client:
        signed_in = await sign_in(client, "/academie/auth/start", "coordinator-leuven")
        assert signed_in.status_code == 200, signed_in.text[:500]
        assert "coordinator-leuven" in signed_in.text  # "Aangemeld als ..."
        assert cookie(client, "stem_academy_session")

        leaving = await client.post("/academie/afmelden")
        assert leaving.status_code == 200
        assert cookie(client, "stem_academy_session") is None
        await _leaves_the_provider(client, issuer, leaving, "/academie/aanmelden")
        again = await client.get("/academie/auth/start", follow_redirects=True)
        assert 'id="kc-form-login"' in again.text  # a password again, no instant sign-in


async def test_an_ops_viewer_signs_out_at_the_provider(
    browser: Callable[[], httpx.AsyncClient], issuer: str
) -> None:
    async with browser() as client:
        signed_in = await sign_in(client, "/ops/auth/start?lang=en", "ops-viewer")
        assert signed_in.status_code == 200, signed_in.text[:500]
        leaving = await client.post("/ops/logout?lang=en")
        assert leaving.status_code == 200
        assert cookie(client, "stem_ops_session") is None
        await _leaves_the_provider(client, issuer, leaving, "/ops/login?lang=en")
        again = await client.get("/ops/auth/start", follow_redirects=True)
        assert 'id="kc-form-login"' in again.text


async def test_a_token_form_session_signs_out_here_only(
    browser: Callable[[], httpx.AsyncClient],
) -> None:
    async with browser() as client:
        await client.post("/ops/login", data={"token": DEV_OPS_TOKEN})
        assert cookie(client, "stem_ops_session")
        leaving = await client.post("/ops/logout")
        assert leaving.status_code == 303 and leaving.headers["location"] == "/ops/login"


async def _leaves_the_provider(
    client: httpx.AsyncClient, issuer: str, leaving: httpx.Response, back: str
) -> None:
    found = REFRESH.search(leaving.text)
    assert found, leaving.text[:500]
    away = unescape(found.group(1))
    query = parse_qs(urlsplit(away).query)
    assert away.startswith(f"{issuer}/protocol/openid-connect/logout?")
    assert query["id_token_hint"][0].count(".") == 2
    assert query["post_logout_redirect_uri"] == [HERE + back]
    assert 'id="continue"' in leaving.text  # a link too, for a browser that does not refresh
    ended = await client.get(away, follow_redirects=True)
    assert str(ended.url) == HERE + back, ended.text[:500]
