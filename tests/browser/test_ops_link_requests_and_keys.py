"""The /ops pages that change things, in Chromium, for people signed in through the real
Keycloak of `make test` (`STEM_TEST_OIDC_ISSUER`; issue 21, docs/adr/0021): the demo editor
confirms an organizer a coordinator asked to link, the demo admin makes and revokes a
partner key; each page passes axe-core's WCAG 2.1 AA checks in Dutch and English, and
neither person sees the other's door.

The gateway runs under uvicorn on a free loopback port, in front of the real registry,
activities and subsidy apps (SQLite, in process): no broker is needed for these pages."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, Page, expect
from pydantic import SecretStr

from gateway.config import Settings as GatewaySettings
from registry.entrypoints.self_service_routes import ACADEMY_HEADER
from stemkit.access.actor import NAME_HEADER, SUBJECT_HEADER, VIA_HEADER
from stemkit.settings import DEV_GATEWAY_TOKEN, DEV_OPS_TOKEN
from tests.browser.chromium import WCAG_AA
from tests.browser.service_apps import ServiceApps
from tests.browser.test_ops_dashboard import SHOTS
from tests.identity.test_keycloak_roles import OPS_CLIENT_SECRET, PASSWORDS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
ORGANIZER = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
# The realm's demo users (deploy/keycloak/stem-realm.json).
DEMO_PASSWORDS = PASSWORDS | {"ops-admin": "ops-admin-demo-password"}


@dataclass
class Site:
    url: str
    registry: httpx.AsyncClient
    academy: str


@pytest.fixture
async def site(services: ServiceApps, tmp_path: Path) -> AsyncIterator[Site]:
    issuer = os.environ.get("STEM_TEST_OIDC_ISSUER")
    if not issuer:
        pytest.fail("STEM_TEST_OIDC_ISSUER is not set: run with `make test`", pytrace=False)
    registry = await services.client("registry")
    created = await registry.post("/academies", json={"name": "Codeclub Keten"}, headers=OPS)
    academy = created.json()["id"]
    # The coordinator's request, as the gateway's /academie/profiel sends it.
    asked = await registry.post(
        f"/self-service/academies/{academy}/organizer-link-requests",
        json={"organizer_id": ORGANIZER, "note": "ons eigen account"},
        headers={
            "Authorization": f"Bearer {DEV_GATEWAY_TOKEN}",
            SUBJECT_HEADER: "sub-coordinator",
            NAME_HEADER: "Co%20Ordinator",
            VIA_HEADER: "oidc",
            ACADEMY_HEADER: academy,
        },
    )
    assert asked.status_code == 201, asked.text
    settings = GatewaySettings(
        environment="development",
        data_dir=str(tmp_path),
        oidc_issuer=issuer,
        ops_oidc_client_secret=SecretStr(OPS_CLIENT_SECRET),
        response_cache_seconds=0,
    )
    yield Site(await services.serve(settings), registry, academy)


async def _sign_in(browser: Browser, site: Site, username: str) -> Page:
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{site.url}/ops/login?lang=en")
    await page.click("#sign-in-provider")
    await page.wait_for_selector("#username", timeout=60_000)  # Keycloak's own page
    await page.fill("#username", username)
    await page.fill("#password", DEMO_PASSWORDS[username])
    await page.click("#kc-login")
    await page.wait_for_url(re.compile(r".*/ops(\?lang=en)?$"), timeout=60_000)
    return page


async def _no_violations(page: Page, shot: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / shot), full_page=True)
    results = await Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


async def test_the_editor_confirms_a_link_request(browser: Browser, site: Site) -> None:
    page = await _sign_in(browser, site, "ops-editor")
    nav = page.get_by_role("navigation")
    await expect(nav.get_by_role("link", name="Link requests")).to_be_visible()
    await expect(nav.get_by_role("link", name="Partner keys")).to_have_count(0)
    await nav.get_by_role("link", name="Link requests").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Linking organizers")
    row = page.locator("#link-requests tbody tr")
    await expect(row).to_contain_text("Codeclub Keten")
    await expect(row).to_contain_text(ORGANIZER)
    await _no_violations(page, "ops-link-requests-en.png")
    await page.goto(f"{site.url}/ops/link-requests")
    await _no_violations(page, "ops-link-requests-nl.png")

    await page.get_by_label("Reden (optioneel)").fill("hun eigen UiTdatabank-account")
    await page.get_by_role("button", name=re.compile("^Bevestigen")).click()
    await expect(page.get_by_role("status")).to_contain_text("Verzoek bevestigd")
    await expect(page.get_by_text("Geen openstaande verzoeken.")).to_be_visible()
    await _no_violations(page, "ops-link-requests-done.png")

    academy = await site.registry.get(f"/academies/{site.academy}", headers=OPS)
    assert academy.json()["uit_organizer_ids"] == [ORGANIZER]
    trail = await site.registry.get("/audit", params={"academy_id": site.academy}, headers=OPS)
    (confirmed,) = [e for e in trail.json() if e["action"] == "confirmed"]
    assert (
        confirmed["actor"]["name"] == "ops-editor" and confirmed["actor"]["via"] == "gateway/oidc"
    )
    assert confirmed["reason"] == "hun eigen UiTdatabank-account"
    assert (await page.goto(f"{site.url}/ops/keys")).status == 403  # type: ignore[union-attr]


async def test_the_admin_makes_and_revokes_a_partner_key(browser: Browser, site: Site) -> None:
    page = await _sign_in(browser, site, "ops-admin")
    nav = page.get_by_role("navigation")
    await nav.get_by_role("link", name="Partner keys").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Partner API keys")
    await _no_violations(page, "ops-keys-en.png")

    await page.get_by_label("Partner name").fill("Technopolis STEM-kalender")
    await page.get_by_role("button", name="Create key").click()
    key = (await page.inner_text("#new-key-value")).strip()
    assert re.fullmatch(r"stem_[0-9a-f]{8}_[\w-]+", key)
    await _no_violations(page, "ops-keys-made.png")
    async with httpx.AsyncClient(base_url=site.url) as partner:
        query = {"query": "{ __typename }"}
        assert (await partner.post("/graphql", json=query, headers={"X-API-Key": key})).is_success

        await page.goto(f"{site.url}/ops/keys")
        assert key not in await page.content()  # shown once
        row = page.locator("#keys tbody tr", has_text="Technopolis")
        await expect(row).to_contain_text("ops-admin")
        await row.get_by_role("button", name=re.compile("^Intrekken")).click()
        await expect(page.get_by_role("status")).to_contain_text("ingetrokken")
        await expect(page.locator("#keys tbody tr", has_text="Technopolis")).to_contain_text(
            "door ops-admin"
        )
        await _no_violations(page, "ops-keys-nl.png")
        refused = await partner.post("/graphql", json=query, headers={"X-API-Key": key})
        assert refused.status_code == 401

    # An admin is no editor: the requests without buttons, and a forged post refused.
    await page.goto(f"{site.url}/ops/link-requests")
    await expect(page.locator("#read-only")).to_be_visible()
    await expect(page.get_by_role("button", name=re.compile("^Bevestigen"))).to_have_count(0)
