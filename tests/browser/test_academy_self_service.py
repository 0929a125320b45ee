"""The academy self-service pages in Chromium (issue 21): a coordinator signs in with a
development coordinator token, reports participants and asks to link an organizer; each
page passes axe-core's WCAG 2.1 AA checks, in Dutch, French and English.

The gateway runs under uvicorn on a free loopback port, in front of the real registry,
activities and subsidy apps (SQLite, in process): no broker is needed for these pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import async_playwright, expect

from gateway.config import Settings as GatewaySettings
from stemkit.settings import DEV_OPS_TOKEN
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, WCAG_AA
from tests.browser.not_counted_seed import YEAR, Seeded, seed
from tests.browser.service_apps import ServiceApps

TOKEN = "dev-coordinator-token-for-the-browser-test"


@dataclass(frozen=True)
class Site:
    url: str
    seeded: Seeded  # an activity (or organizer) for every reason it is not counted


@pytest.fixture
async def site_with_activities(services: ServiceApps) -> AsyncIterator[Site]:
    registry = await services.client("registry")
    created = await registry.post(
        "/academies",
        json={"name": "Codeclub Browser"},
        headers={"Authorization": f"Bearer {DEV_OPS_TOKEN}"},
    )
    academy = created.json()["id"]
    apps = services.apps
    seeded = await seed(apps["activities"], apps["subsidy"], academy, "Codeclub Browser")
    settings = GatewaySettings(environment="development", dev_coordinator_tokens={TOKEN: academy})
    yield Site(await services.serve(settings), seeded)


async def test_a_coordinator_uses_the_pages_with_a_keyboard_and_no_violations(
    site_with_activities: Site,
) -> None:
    site, seeded = site_with_activities.url, site_with_activities.seeded
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{site}/academie")
            await expect(page).to_have_url(f"{site}/academie/aanmelden")
            await page.get_by_label("Token").fill(TOKEN)
            await page.get_by_role("button", name="Aanmelden").click()
            await expect(page.get_by_role("heading", level=1)).to_contain_text("Bereik in")
            await expect(page.locator(".brand")).to_contain_text("Codeclub Browser")

            await page.goto(f"{site}/academie/deelnemers?lang=fr")
            await page.get_by_label("Année").fill("2024")
            await page.get_by_label("Moins de 14 ans").fill("20")
            await page.get_by_label("14 ans et plus").fill("7")
            await page.get_by_role("button", name="Déclarer").click()
            await expect(page.get_by_role("status")).to_have_text("Déclaré.")
            await expect(page.locator("#reports")).to_contain_text("27")

            await page.goto(f"{site}/academie/profiel?lang=en")
            await page.get_by_label("Organizer id").fill(seeded.asked)
            await page.get_by_role("button", name="Ask").click()
            await expect(page.locator("#link-requests")).to_contain_text("waiting for VLAIO")

            # Not counted, and why: a row for every reason, in the page's language.
            await page.goto(f"{site}/academie?lang=en")
            await page.get_by_label("Year").select_option(str(YEAR))
            await page.get_by_role("button", name="Show").click()
            await expect(page.get_by_role("heading", level=1)).to_have_text(f"Reach in {YEAR}")
            table = page.get_by_role("table", name="Not counted")
            for reason, wanted in (
                ("not_linked", "organizer not linked"),
                ("unknown_postal_code", "postal code 9999 is not known"),
                ("outside_flanders", "outside Flanders"),
                ("no_address", "no address with a postal code"),
                ("not_recognised", f"academy not recognised on {YEAR}-03-08"),
                ("quarantined", "quarantined"),
            ):
                row = table.locator(f'tr[data-reason="{reason}"]')
                await expect(row).to_have_count(1)
                await expect(row.get_by_role("rowheader")).to_have_text(seeded.names[reason])
                await expect(row).to_contain_text(wanted)

            for path in (f"?year={YEAR}&", "/deelnemers?", "/profiel?"):
                for lang in ("nl", "fr", "en"):
                    await page.goto(f"{site}/academie{path}lang={lang}")
                    assert await page.get_attribute("html", "lang") == lang
                    results = await Axe().run(page, options=WCAG_AA)
                    assert results.violations_count == 0, results.generate_report()
            await page.goto(f"{site}/academie/aanmelden")
            results = await Axe().run(page, options=WCAG_AA)
            assert results.violations_count == 0, results.generate_report()
        finally:
            await browser.close()
