"""Signing in at the identity provider for /academie, and out at it for /academie and /ops,
in a real headless browser (Debian's chromium driven by Playwright) against the real
Keycloak of `make test` (`STEM_TEST_OIDC_ISSUER`) (issue 21, docs/adr/0019).

The gateway runs under uvicorn on a free loopback port (one the development realm accepts
as a redirect), in front of the real registry, activities and subsidy apps (SQLite, in
process) with the [DEMO] academies seeded, so the demo coordinator's `academy_id` is an
academy here.

Proves: the coordinator of [DEMO] Leuven signs in on Keycloak's own login page and lands on
the reach of their own academy, with an HttpOnly, SameSite=Strict session and no token in
the browser; the demo ops viewer is refused at /academie and told why; signing out of
/academie and of /ops ends the provider's session too, so the next sign-in asks for a
password again (before sign-out it does not: the control); the pages pass axe-core.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, BrowserContext, Page, expect
from pydantic import SecretStr

from gateway.config import Settings as GatewaySettings
from registry.config import Settings as RegistrySettings
from registry.entrypoints.cli import load_reference_data
from tests.browser.chromium import WCAG_AA
from tests.browser.service_apps import PrepareRegistry, ServiceApps
from tests.browser.test_ops_dashboard import SHOTS
from tests.identity.test_keycloak_roles import LEUVEN, OPS_CLIENT_SECRET, PASSWORDS
from tools.demo.academies import seed_demo_academies

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]
WAIT = 60_000  # ms: Keycloak on a loaded machine


@pytest.fixture
def prepare_registry() -> PrepareRegistry:
    async def reference_and_demo(registry_settings: RegistrySettings) -> None:
        await load_reference_data(registry_settings)
        await seed_demo_academies(registry_settings)  # [DEMO] Leuven is coordinator-leuven's

    return reference_and_demo


@pytest.fixture
async def site(services: ServiceApps, tmp_path: Path) -> AsyncIterator[str]:
    issuer = os.environ.get("STEM_TEST_OIDC_ISSUER")
    if not issuer:
        pytest.fail("STEM_TEST_OIDC_ISSUER is not set: run with `make test`", pytrace=False)
    settings = GatewaySettings(
        environment="development",
        kafka_bootstrap_servers="127.0.0.1:1",
        data_dir=str(tmp_path / "gateway"),
        oidc_issuer=issuer,
        ops_oidc_client_secret=SecretStr(OPS_CLIENT_SECRET),
        response_cache_seconds=0,
    )
    yield await services.serve(settings)


async def at_the_provider(page: Page, username: str) -> None:
    """Keycloak's own login page: the person types their password."""
    await page.wait_for_selector("#username", timeout=WAIT)
    await page.fill("#username", username)
    await page.fill("#password", PASSWORDS[username])
    await page.click("#kc-login")


async def no_violations(page: Page) -> None:
    results = await Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


async def cookie_names(context: BrowserContext, url: str) -> set[str]:
    return {c["name"] for c in await context.cookies(url)}


async def test_a_coordinator_signs_in_at_the_provider_and_out_again(
    browser: Browser, site: str
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{site}/academie")
    await expect(page).to_have_url(f"{site}/academie/aanmelden")
    await no_violations(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "academy-sign-in.png"), full_page=True)

    await page.click("#sign-in-provider")  # the first choice on the page
    await at_the_provider(page, "coordinator-leuven")
    await page.wait_for_url(f"{site}/academie", timeout=WAIT)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Bereik in")
    await expect(page.locator(".brand")).to_contain_text("Leuven")
    session = {c["name"]: c for c in await context.cookies(f"{site}/academie")}[
        "stem_academy_session"
    ]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert session["path"] == "/academie"
    stored = await page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "eyJ" not in stored and "eyJ" not in session["value"]  # no JWT in the browser
    assert LEUVEN not in session["value"]

    # The control: while the provider's session lasts, a new sign-in needs no password.
    await page.goto(f"{site}/academie/auth/start")
    await page.wait_for_url(f"{site}/academie", timeout=WAIT)

    await page.get_by_role("button", name="Afmelden").click()
    await page.wait_for_url(f"{site}/academie/aanmelden", timeout=WAIT)
    assert "stem_academy_session" not in await cookie_names(context, f"{site}/academie")
    await page.goto(f"{site}/academie/auth/start")
    await page.wait_for_selector("#username", timeout=WAIT)  # a password again
    await context.close()


async def test_an_ops_viewer_is_refused_at_the_academy_pages(browser: Browser, site: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{site}/academie/aanmelden?lang=en")
    await page.click("#sign-in-provider")
    await at_the_provider(page, "ops-viewer")
    alert = page.locator("p.error[role=alert]")
    await alert.wait_for(timeout=WAIT)
    assert "not the coordinator of an academy" in await alert.inner_text()
    await no_violations(page)
    assert "stem_academy_session" not in await cookie_names(context, f"{site}/academie")
    await page.goto(f"{site}/academie")
    await expect(page).to_have_url(f"{site}/academie/aanmelden")
    await context.close()


async def test_an_ops_viewer_signs_out_at_the_provider(browser: Browser, site: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{site}/ops/login?lang=en")
    await page.click("#sign-in-provider")
    await at_the_provider(page, "ops-viewer")
    await page.wait_for_url(f"{site}/ops?lang=en", timeout=WAIT)

    await page.goto(f"{site}/ops/auth/start?lang=en")  # the control, as above
    await page.wait_for_url(f"{site}/ops?lang=en", timeout=WAIT)

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{site}/ops/login?lang=en", timeout=WAIT)
    assert "stem_ops_session" not in await cookie_names(context, f"{site}/ops")
    await page.goto(f"{site}/ops/auth/start")
    await page.wait_for_selector("#username", timeout=WAIT)
    await context.close()
