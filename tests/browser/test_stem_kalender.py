"""The drop-in calendar `<stem-kalender>` on a partner's page, in a real headless browser
(Debian's chromium driven by Playwright) over the real registry, activities and gateway
processes (uvicorn, SQLite files), the gateway's change feed on the test Kafka.

The activities are seeded straight through the activities service's own catalogue (the
registry's events handed to its handler, then three UiTdatabank documents), as
bench/bench_gateway.py does, so the test does not depend on consumer groups of a broker
other runs share. The partner page is served from another origin (a small HTTP server of
the test), allowed by `GATEWAY_CORS_ORIGINS`, and embeds the component with one script tag
and a key. Proves: the calendar lists the academies' coming activities; filters by
province, municipality, theme and age (from the keyboard too); speaks nl, fr and en; and
axe-core (4.x, from PyPI's axe-playwright-python) finds no WCAG 2.1 A/AA violation
(contrast included) in any language. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, Page, expect

from conftest import _required_env
from stemkit.settings import DEV_GATEWAY_TOKEN
from tests.browser.chromium import WCAG_AA, launched
from tests.browser.seed import BRUGGE, KEMPEN, LEUVEN_CODEERT, Planned
from tests.browser.test_ops_dashboard import SHOTS, eventually
from tests.e2e.harness import ROOT, free_port

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(600)]

PARTNER_KEY = "partner-key-for-the-calendar-browser-test-01"
SCIENCE, COMPUTERS = "1.25.0.0.0", "1.21.0.0.0"
# Coming activities (the calendar shows from today on) of three demo academies.
COMING = (
    (Planned(LEUVEN_CODEERT, "2031-03-08", "3000", "Leuven", "Codeerclub Leuven"), SCIENCE, "8-12"),
    (Planned(KEMPEN, "2031-03-15", "2440", "Geel", "Robots bouwen in Geel"), COMPUTERS, "12-16"),
    (Planned(BRUGGE, "2031-04-05", "8400", "Oostende", "Raketten aan zee"), SCIENCE, "10-14"),
)
PLACES = [  # nis, name, province, postal code
    ("24062", "Leuven", "Vlaams-Brabant", "3000"),
    ("13008", "Geel", "Antwerpen", "2440"),
    ("35013", "Oostende", "West-Vlaanderen", "8400"),
]


def document(planned: Planned, theme: str, ages: str) -> dict[str, Any]:
    doc = planned.document()
    doc["terms"] = [{"id": theme, "label": "STEM", "domain": "theme"}]
    doc["typicalAgeRange"] = ages
    return doc


class _Partner(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def partner_site() -> Iterator[tuple[str, type[_Partner]]]:
    port = free_port()
    handler = type("Partner", (_Partner,), {})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", handler
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def gateway_url(partner_site: tuple[str, type[_Partner]]) -> Iterator[str]:
    """Registry, activities and gateway as uvicorn processes on SQLite, seeded; the URL."""
    origin, _ = partner_site
    with tempfile.TemporaryDirectory(prefix="stem-kalender-") as folder:
        ports = {name: free_port() for name in ("registry", "activities", "gateway")}
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": _required_env("KAFKA_BOOTSTRAP_SERVERS"),
            "STEM_DATA_DIR": folder,
            "STEM_ENV": "test",
            "LOG_LEVEL": "WARNING",
            "REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/registry.db",
            "ACTIVITIES_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/activities.db",
            "GATEWAY_PARTNER_API_KEYS": PARTNER_KEY,
            "GATEWAY_CORS_ORIGINS": origin,
            "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{ports['registry']}",
            "GATEWAY_ACTIVITIES_URL": f"http://127.0.0.1:{ports['activities']}",
        }

        def cli(*args: str) -> None:
            subprocess.run([sys.executable, "-m", *args], env=env, cwd=ROOT, check=True)

        for service in ("registry", "activities"):
            cli(f"{service}.entrypoints.cli", "migrate")
        cli("registry.entrypoints.cli", "load-reference")
        cli("tools.demo", "seed")
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    f"{name}.entrypoints.api:create_app",
                    "--port",
                    str(port),
                    "--no-access-log",
                ],
                env=env,
                cwd=ROOT,
            )
            for name, port in ports.items()
        ]
        try:
            # In a thread of its own: the tests' event loop may already run in this one.
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, _seed(env, ports)).result()
            yield f"http://127.0.0.1:{ports['gateway']}"
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=10)


async def _seed(env: dict[str, str], ports: dict[str, int]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:

        async def up() -> bool | None:
            try:
                answers = [
                    await client.get(f"http://127.0.0.1:{port}/healthz") for port in ports.values()
                ]
            except httpx.HTTPError:
                return None
            return True if all(a.status_code == 200 for a in answers) else None

        await eventually(up, "registry, activities and gateway", within=180)
        response = await client.get(
            f"http://127.0.0.1:{ports['registry']}/academies",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"},
        )
        academies = response.json()
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        await _ingest(academies)
    finally:
        os.environ.clear()
        os.environ.update(saved)


async def _ingest(academies: list[dict[str, Any]]) -> None:
    """The registry's events and the documents, through the activities service's own code."""
    from activities.bootstrap import open_database
    from activities.config import Settings
    from activities.service_layer.catalogue import ingest_document
    from activities.service_layer.handlers import handle_event as handle_registry_event
    from stemkit.contracts import CATALOG
    from stemkit.contracts.registry import AcademyRegistered, MunicipalityDefined

    database = open_database(Settings())
    events: list[Any] = [
        MunicipalityDefined(
            nis_code=nis,
            name_nl=name,
            province_nl=province,
            valid_from=date(2019, 1, 1),
            postal_codes=[code],
        )
        for nis, name, province, code in PLACES
    ]
    events += [
        AcademyRegistered(
            academy_id=a["id"], name=a["name"], uit_organizer_ids=a["uit_organizer_ids"]
        )
        for a in academies
        if a["uit_organizer_ids"]
    ]
    for payload in events:
        async with database.session_factory.begin() as session:
            await handle_registry_event(
                session, CATALOG.new_event(payload, source="/stem/registry")
            )
    for planned, theme, ages in COMING:
        async with database.session_factory.begin() as session:
            await ingest_document(session, document(planned, theme, ages))
    await database.dispose()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the module's tests (the conftest's is one per test)."""
    async with launched() as found:
        yield found


async def open_partner_page(
    browser: Browser,
    gateway_url: str,
    partner_site: tuple[str, type[_Partner]],
    attributes: str,
) -> Page:
    origin, handler = partner_site
    script = f"{gateway_url}/embed/stem-kalender.js"
    handler.page = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Partner</title>'
        f'</head><body><main><h1>Technopolis</h1><script src="{script}" defer></script>'
        f'<stem-kalender key="{PARTNER_KEY}" {attributes}></stem-kalender>'
        "</main></body></html>"
    ).encode()
    context = await browser.new_context(viewport={"width": 1000, "height": 1200})
    page = await context.new_page()
    await page.goto(origin)
    return page


async def no_violations(page: Page, name: str) -> None:
    results = await Axe().run(page, options=WCAG_AA)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"stem-kalender-{name}.png"), full_page=True)
    assert results.violations_count == 0, results.generate_report()


async def test_the_calendar_lists_filters_and_passes_axe(
    browser: Browser, gateway_url: str, partner_site: tuple[str, type[_Partner]]
) -> None:
    page = await open_partner_page(browser, gateway_url, partner_site, 'lang="nl"')
    calendar = page.locator("stem-kalender")
    items = calendar.get_by_role("listitem")
    await expect(items).to_have_count(3, timeout=30_000)
    await expect(calendar.get_by_role("heading", name="STEM-kalender")).to_be_visible()
    await expect(calendar.get_by_role("status")).to_have_text("3 activiteiten getoond.")
    first = items.first
    await expect(first.get_by_role("heading")).to_have_text("Codeerclub Leuven")
    await expect(first).to_contain_text("8 tot 12 jaar")
    await expect(first).to_contain_text(LEUVEN_CODEERT)
    await no_violations(page, "nl")

    # Province, then municipality (its list follows the province), theme and age.
    await calendar.get_by_label("Provincie").select_option("Antwerpen")
    await calendar.get_by_role("button", name="Toon activiteiten").click()
    await expect(items).to_have_count(1)
    await expect(items.first.get_by_role("heading")).to_have_text("Robots bouwen in Geel")
    municipality = calendar.get_by_label("Gemeente")
    await expect(municipality.locator("option", has_text="Geel")).to_have_count(1)
    await expect(municipality.locator("option", has_text="Oostende")).to_have_count(0)

    await calendar.get_by_label("Provincie").select_option("")
    await expect(municipality.locator("option", has_text="Oostende")).to_have_count(1)
    await municipality.select_option(label="Oostende")
    await calendar.get_by_role("button", name="Toon activiteiten").click()
    await expect(items).to_have_count(1)
    await expect(items.first.get_by_role("heading")).to_have_text("Raketten aan zee")

    await municipality.select_option("")
    await calendar.get_by_label("Thema").select_option(SCIENCE)
    await calendar.get_by_role("button", name="Toon activiteiten").click()
    await expect(items).to_have_count(2)

    # From the keyboard: type an age, Enter submits the filter form.
    age = calendar.get_by_label("Leeftijd")
    await age.focus()
    await page.keyboard.type("13")
    await page.keyboard.press("Enter")
    await expect(items).to_have_count(1)
    await expect(items.first.get_by_role("heading")).to_have_text("Raketten aan zee")
    await page.keyboard.press("Tab")  # on to the submit button, visibly focused
    focused = await page.evaluate(
        "document.querySelector('stem-kalender').shadowRoot.activeElement.textContent"
    )
    assert focused == "Toon activiteiten"
    await no_violations(page, "nl-filtered")


@pytest.mark.parametrize(
    ("lang", "title", "province", "ages"),
    [
        ("fr", "Calendrier STEM", "Province", "de 8 à 12 ans"),
        ("en", "STEM calendar", "Province", "8 to 12 years"),
    ],
)
async def test_the_calendar_speaks_french_and_english(
    browser: Browser,
    gateway_url: str,
    partner_site: tuple[str, type[_Partner]],
    lang: str,
    title: str,
    province: str,
    ages: str,
) -> None:
    page = await open_partner_page(
        browser, gateway_url, partner_site, f'lang="{lang}" page-size="2"'
    )
    calendar = page.locator("stem-kalender")
    await expect(calendar.get_by_role("heading", name=title)).to_be_visible()
    items = calendar.get_by_role("listitem")
    await expect(items).to_have_count(2, timeout=30_000)
    await expect(items.first).to_contain_text(ages)
    await expect(calendar.get_by_label(province)).to_be_visible()
    more = {"fr": "Plus d\u2019activités", "en": "More activities"}[lang]
    await calendar.get_by_role("button", name=more).click()
    await expect(items).to_have_count(3)
    # The first new item's heading takes the focus, so a screen reader goes on from there.
    focused = await page.evaluate(
        "document.querySelector('stem-kalender').shadowRoot.activeElement.textContent"
    )
    assert focused == "Raketten aan zee"
    await no_violations(page, lang)
