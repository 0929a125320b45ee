"""Signing in to /ops through the OpenID Connect provider, in a real headless browser
(Debian's chromium driven by Playwright) against the real Keycloak of `make test`
(`STEM_TEST_OIDC_ISSUER`) and the gateway as a real process (issue 21, docs/adr/0019).

Proves: the sign-in page offers the provider and passes axe-core (WCAG 2.1 A/AA); the
demo viewer signs in on Keycloak's own login page and lands on /ops with a session in an
HttpOnly, SameSite=Strict cookie (no token in it, nor in the page's storage); the
coordinator of a [DEMO] academy, who has no ops role, gets no session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser

from tests.browser.chromium import WCAG_AA
from tests.browser.test_ops_dashboard import SHOTS
from tests.e2e.harness import ROOT, free_port
from tests.identity.test_keycloak_roles import OPS_CLIENT_SECRET, PASSWORDS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    issuer = os.environ.get("STEM_TEST_OIDC_ISSUER")
    if not issuer:
        pytest.fail("STEM_TEST_OIDC_ISSUER is not set: run with `make test`", pytrace=False)
    port = free_port()
    env = {
        **os.environ,
        "STEM_ENV": "test",
        "STEM_DATA_DIR": str(tmp_path_factory.mktemp("gateway")),
        "STEM_OIDC_ISSUER": issuer,
        "GATEWAY_OPS_OIDC_CLIENT_SECRET": OPS_CLIENT_SECRET,
        "GATEWAY_RESPONSE_CACHE_SECONDS": "0",  # no change feed: no Kafka needed here
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "gateway.entrypoints.api:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise AssertionError(f"the gateway exited with {process.returncode}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


async def test_a_viewer_signs_in_through_keycloak(browser: Browser, gateway: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{gateway}/ops/login?lang=en")
    results = await Axe().run(page, options=WCAG_AA)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "ops-sign-in.png"), full_page=True)
    assert results.violations_count == 0, results.generate_report()

    await page.click("#sign-in-provider")
    await page.wait_for_selector("#username", timeout=60_000)  # Keycloak's own page
    await page.fill("#username", "ops-viewer")
    await page.fill("#password", PASSWORDS["ops-viewer"])
    await page.click("#kc-login")
    await page.wait_for_url(f"{gateway}/ops?lang=en", timeout=60_000)
    await page.screenshot(path=str(SHOTS / "ops-signed-in.png"), full_page=True)
    assert "/login" not in page.url  # the session holds: no way back to the sign-in page

    cookies = {c["name"]: c for c in await context.cookies(f"{gateway}/ops")}
    session = cookies["stem_ops_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert session["path"] == "/ops"
    stored = await page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "eyJ" not in stored and "eyJ" not in session["value"]  # no JWT kept in the browser
    await context.close()


async def test_a_coordinator_gets_no_ops_session(browser: Browser, gateway: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{gateway}/ops/login")
    await page.click("#sign-in-provider")
    await page.wait_for_selector("#username", timeout=60_000)
    await page.fill("#username", "coordinator-leuven")
    await page.fill("#password", PASSWORDS["coordinator-leuven"])
    await page.click("#kc-login")
    await page.wait_for_selector("p.error[role=alert]", timeout=60_000)
    assert "ops-rol" in (await page.inner_text("p.error[role=alert]"))
    assert "stem_ops_session" not in {c["name"] for c in await context.cookies(f"{gateway}/ops")}
    await context.close()
