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

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from pydantic import SecretStr

from activities.bootstrap import MIGRATIONS as ACTIVITIES_MIGRATIONS
from activities.config import Settings as ActivitiesSettings
from activities.entrypoints.api import create_app as activities_app
from gateway.config import Settings as GatewaySettings
from gateway.entrypoints.api import create_app as gateway_app
from registry.bootstrap import migrate as migrate_registry
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api import create_app as registry_app
from registry.entrypoints.cli import load_reference_data
from stemkit.storage.migrations import upgrade_to_head
from subsidy.bootstrap import MIGRATIONS as SUBSIDY_MIGRATIONS
from subsidy.config import Settings as SubsidySettings
from subsidy.entrypoints.api import create_app as subsidy_app
from tests.browser.test_ops_dashboard import CHROMIUM, CHROMIUM_ARGS, SHOTS
from tests.identity.test_keycloak_roles import LEUVEN, OPS_CLIENT_SECRET, PASSWORDS
from tools.demo.academies import seed_demo_academies

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
WAIT = 60_000  # ms: Keycloak on a loaded machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[str]:
    issuer = os.environ.get("STEM_TEST_OIDC_ISSUER")
    if not issuer:
        pytest.fail("STEM_TEST_OIDC_ISSUER is not set: run with `make test`", pytrace=False)
    common: dict[str, Any] = {
        "environment": "development",
        "kafka_bootstrap_servers": "127.0.0.1:1",  # the outbox is not relayed here
    }
    registry_settings = RegistrySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db", **common
    )
    await asyncio.to_thread(migrate_registry, registry_settings)
    await load_reference_data(registry_settings)
    await seed_demo_academies(registry_settings)  # [DEMO] Leuven is coordinator-leuven's
    urls = {name: f"sqlite+aiosqlite:///{tmp_path}/{name}.db" for name in ("a", "s")}
    for url, migrations in ((urls["a"], ACTIVITIES_MIGRATIONS), (urls["s"], SUBSIDY_MIGRATIONS)):
        await asyncio.to_thread(upgrade_to_head, url, migrations)
    apps = {
        "registry": registry_app(registry_settings),
        "activities": activities_app(ActivitiesSettings(database_url=urls["a"], **common)),
        "subsidy": subsidy_app(SubsidySettings(database_url=urls["s"], **common)),
    }
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        gateway = gateway_app(
            GatewaySettings(
                **common,
                data_dir=str(tmp_path / "gateway"),
                oidc_issuer=issuer,
                ops_oidc_client_secret=SecretStr(OPS_CLIENT_SECRET),
                response_cache_seconds=0,
            ),
            transports={name: httpx.ASGITransport(app) for name, app in apps.items()},
        )
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(gateway, host="127.0.0.1", port=port, log_level="warning")
        )
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event)
            await asyncio.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        found = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield found
        await found.close()


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
