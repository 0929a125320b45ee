"""The ops dashboard in a real headless browser (Debian's chromium driven by Playwright)
over the whole platform as real processes (real Kafka and PostgreSQL), with activities of
the demo academies in 2022 and 2025 delivered through the signed webhook.

Proves: sign-in opens a session in an HttpOnly, SameSite=Strict cookie (its id, not the
token); the map draws 300 shapes for 2022 and 285 for 2025, coloured by what GraphQL says
was reached; switching the year changes colours and counts; the tables equal the
gateway's GraphQL answers for the same year; the keyboard reaches a municipality's
detail; scopes are respected. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from prometheus_client.parser import text_string_to_metric_families

from conftest import _required_env, fresh_database
from gateway.ops_web import palette
from stemkit.settings import DEV_OPS_TOKEN

# tests/e2e/test_demo_users.py imports CHROMIUM and CHROMIUM_ARGS from here
from tests.browser.chromium import CHROMIUM as CHROMIUM
from tests.browser.chromium import CHROMIUM_ARGS as CHROMIUM_ARGS
from tests.browser.chromium import launched
from tests.browser.seed import PLANNED, deliver
from tests.e2e.harness import ROOT, SERVICES_WITH_DB, Platform

# The first test also waits for the platform to start (about 2 minutes on a loaded machine).
pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

SHOTS = ROOT / "test-artifacts" / "browser"
REVIEWS_ONLY_TOKEN = "browser-test-reviews-only-token-of-32-chars"  # STEM_ENV=test: 32+
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, within: float = 120) -> T:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")


async def graphql(client: httpx.AsyncClient, url: str, query: str) -> dict[str, Any]:
    """The gateway's GraphQL answer, asked over HTTP as any ops client would."""
    response = await client.post(
        f"{url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {DEV_OPS_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture(scope="module")
async def platform() -> AsyncIterator[Platform]:
    kafka = _required_env("KAFKA_BOOTSTRAP_SERVERS")
    # The harness passes the environment on to the processes it starts: a second ops token
    # with one scope only, for the scope test; and a larger cost budget, because these tests
    # load about 30 pages of ~1000 points each in a few minutes with one token, where the
    # default budget (10000, 100 a second) lets a person see about one page per 10 s.
    extra = {
        "GATEWAY_OPS_TOKEN_SCOPES": f'{{"{REVIEWS_ONLY_TOKEN}": ["reviews"]}}',
        "GATEWAY_COST_BUDGET": "200000",
        "GATEWAY_COST_REFILL_PER_SECOND": "2000",
    }
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        async with AsyncExitStack() as stack:
            urls = {s: await stack.enter_async_context(fresh_database()) for s in SERVICES_WITH_DB}
            running = Platform(kafka=kafka, database_urls=urls)
            try:
                await asyncio.to_thread(running.start)
                await running.wait_healthy(within=180)  # a loaded CI machine is slow
                await _seed(running)
                yield running
            finally:
                running.stop()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def _seed(platform: Platform) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        metrics = f"http://127.0.0.1:{platform.metrics_ports['activities-consumer']}/metrics"

        async def registry_known() -> float | None:
            platform.assert_running()
            text = (await client.get(metrics)).text
            handled = sum(
                s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
                if s.name == "stem_events_handled_total"
                and s.labels.get("consumer") == "activities"
            )
            return handled if handled >= 313 else None  # 312 municipality rows + academies

        await eventually(registry_known, "the registry's events at activities")
        await deliver(client, platform.url("activities"))
        wanted = {2022: 3, 2025: 4}
        gateway = platform.url("gateway")

        async def reach_arrived() -> bool | None:
            platform.assert_running()
            query = "{ a: coverage(year: 2022) { reached } b: coverage(year: 2025) { reached } }"
            data = await graphql(client, gateway, query)
            found = {2022: data["a"]["reached"], 2025: data["b"]["reached"]}
            return True if found == wanted else None

        await eventually(reach_arrived, f"reach of {len(PLANNED)} activities in 2022 and 2025")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the module's tests (the conftest's is one per test)."""
    async with launched() as found:
        yield found


@pytest.fixture
async def signed_in(browser: Browser, platform: Platform) -> AsyncIterator[Page]:
    """A page signed in with the full ops token."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(f"{platform.url('gateway')}/ops?year=2022")
    await page.get_by_label("Ops-token").fill(DEV_OPS_TOKEN)
    await page.get_by_role("button", name="Aanmelden").click()
    await page.wait_for_url("**/ops")
    try:
        yield page
    finally:
        await context.close()


def shot(name: str) -> str:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return str(SHOTS / f"{name}.png")


async def map_state(page: Page) -> dict[str, str]:
    """NIS code -> reach class of every shape on the map."""
    found: dict[str, str] = await page.eval_on_selector_all(
        "#map a.municipality",
        "links => Object.fromEntries(links.map(a => [a.dataset.nis, a.dataset.reach]))",
    )
    return found


async def test_sign_in_opens_a_session_in_a_strict_http_only_cookie(
    browser: Browser, platform: Platform
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    response = await page.goto(f"{platform.url('gateway')}/ops")
    assert response is not None and page.url.endswith("/ops/login")
    await page.get_by_label("Ops-token").fill("not-a-token")
    await page.get_by_role("button", name="Aanmelden").click()
    await expect(page.get_by_role("alert")).to_have_text("Dit token is niet geldig.")
    assert await context.cookies() == []
    await page.get_by_label("Ops-token").fill(DEV_OPS_TOKEN)
    await page.get_by_role("button", name="Aanmelden").click()
    await page.wait_for_url("**/ops")
    [cookie] = await context.cookies()
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/ops")
    assert DEV_OPS_TOKEN not in cookie["value"]  # a session id (issue 17), never the token
    assert await page.evaluate("document.cookie") == ""  # no script can read the token
    await page.get_by_role("button", name="Afmelden").click()
    await page.wait_for_url("**/ops/login")
    assert await context.cookies() == []
    await context.close()


async def test_the_map_draws_each_years_shapes_coloured_as_graphql_says(
    signed_in: Page, platform: Platform
) -> None:
    page = signed_in
    await page.goto(f"{platform.url('gateway')}/ops?year=2022")
    async with httpx.AsyncClient(timeout=30) as client:
        gateway = platform.url("gateway")
        query = "{{ municipalities(year: {y}) {{ nisCode reachedBy {{ id }} }} }}"
        graph = {y: await graphql(client, gateway, query.format(y=y)) for y in (2022, 2025)}

    def expected(year: int) -> dict[str, str]:
        return {
            m["nisCode"]: palette.reach_class(len(m["reachedBy"])).key
            for m in graph[year]["municipalities"]
        }

    before = await map_state(page)
    assert len(before) == 300
    assert before == expected(2022)
    assert await page.locator("#map path").count() == 300
    assert await page.locator("#map path[d='']").count() == 0
    await page.screenshot(path=shot("map-2022"), full_page=True)
    legend_2022 = await page.locator(".legend .count").all_inner_texts()

    # The year switcher submits on change.
    await page.get_by_label("Jaar", exact=True).select_option("2025")
    await page.wait_for_url("**/ops?year=2025")
    after = await map_state(page)
    assert len(after) == 285
    assert after == expected(2025)
    await page.screenshot(path=shot("map-2025"), full_page=True)
    assert await page.locator(".legend .count").all_inner_texts() != legend_2022
    assert sorted(before.values()) != sorted(after.values())  # the colours changed
    assert "many" in after.values() and "many" not in before.values()
    summary = page.locator("#summary")
    assert await summary.get_attribute("data-reached") == "4"
    assert await summary.get_attribute("data-total") == "285"
    # The fill a browser paints is the palette's.
    leuven = page.locator('#map a[data-nis="24062"] path')
    fill = await leuven.evaluate("p => getComputedStyle(p).fill")
    assert fill == _rgb(palette.reach_class(2).fill)


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("year", [2022, 2025])
async def test_the_tables_equal_the_graphql_answers(
    signed_in: Page, platform: Platform, year: int
) -> None:
    page = signed_in
    gateway = platform.url("gateway")
    await page.goto(f"{gateway}/ops?year={year}")
    trend_years = range(2019, time.gmtime().tm_year + 1)
    trend_query = " ".join(f"y{y}: coverage(year: {y}) {{ reached total }}" for y in trend_years)
    async with httpx.AsyncClient(timeout=30) as client:
        data = await graphql(
            client,
            gateway,
            f"{{ coverage(year: {year}) {{ reached total provinces {{ province reached total }} }}"
            f" uncoveredMunicipalities(year: {year}) {{ nisCode name }} }}",
        )
        trend = await graphql(client, gateway, f"{{ {trend_query} }}")

    rows = await page.eval_on_selector_all(
        "#provinces tbody tr",
        "rows => rows.map(r => [r.dataset.province, +r.querySelector('.reached').textContent,"
        " +r.querySelector('.total').textContent])",
    )
    assert rows == [
        [p["province"], p["reached"], p["total"]] for p in data["coverage"]["provinces"]
    ]
    assert sum(r[1] for r in rows) == data["coverage"]["reached"]

    shown_trend = await page.eval_on_selector_all(
        "#trend tbody tr",
        "rows => rows.map(r => [+r.dataset.year, +r.querySelector('.reached').textContent,"
        " +r.querySelector('.total').textContent])",
    )
    assert shown_trend == [
        [y, trend[f"y{y}"]["reached"], trend[f"y{y}"]["total"]] for y in trend_years
    ]
    uncovered = await page.eval_on_selector_all(
        "#uncovered tbody tr", "rows => rows.map(r => r.dataset.nis)"
    )
    assert uncovered == [m["nisCode"] for m in data["uncoveredMunicipalities"]]
    assert len(uncovered) == data["coverage"]["total"] - data["coverage"]["reached"]
    await page.screenshot(path=shot(f"tables-{year}"), full_page=True)


async def test_newly_reached_and_dropped_follow_the_deliveries(
    signed_in: Page, platform: Platform
) -> None:
    page = signed_in
    await page.goto(f"{platform.url('gateway')}/ops?year=2025")
    counts = await page.eval_on_selector_all(
        "#trend tbody tr",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.year,"
        " [r.querySelector('.newly').dataset.count, r.querySelector('.dropped').dataset.count]]))",
    )
    # Nothing before 2022; three in 2022, none in 2023-2024; four in 2025 (on 2025 bounds).
    assert counts["2022"] == ["3", "0"]
    assert counts["2023"] == ["0", "3"]
    assert counts["2025"] == ["4", "0"]


async def test_the_keyboard_reaches_a_municipalitys_detail(
    signed_in: Page, platform: Platform
) -> None:
    page = signed_in
    await page.goto(f"{platform.url('gateway')}/ops?year=2025")
    # The skip link is the first stop and lands on the content.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    # Tab on until a municipality of the map has the focus, then Enter.
    for _ in range(10):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.classList.contains('municipality')"):
            break
    focused = await page.evaluate(
        "[document.activeElement.dataset.nis, document.activeElement.getAttribute('aria-label')]"
    )
    assert focused[0], "no municipality of the map took the focus"
    await page.keyboard.press("Enter")
    heading = page.locator("#detail-name")
    await expect(heading).to_have_attribute("data-nis", focused[0])
    assert await page.evaluate("document.activeElement.id") == "detail"
    assert focused[1].startswith(await heading.evaluate("h => h.firstChild.textContent.trim()"))

    # The labelled municipality list reaches Leuven, reached by two academies in 2025.
    await page.get_by_label("Gemeente", exact=True).focus()
    await page.get_by_label("Gemeente", exact=True).select_option(label="Leuven")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(heading).to_have_attribute("data-nis", "24062")
    academies = await page.locator("#detail ul.academies > li").all_inner_texts()
    assert len(academies) == 2 and all(a.startswith("[DEMO] ") for a in academies)
    activities = await page.locator("#detail ul.activities > li").all_inner_texts()
    assert any("Robotlab op bezoek in Leuven" in a for a in activities)
    await page.screenshot(path=shot("detail-leuven-2025"), full_page=True)


async def test_english_labels_and_the_other_pages(signed_in: Page, platform: Platform) -> None:
    page = signed_in
    gateway = platform.url("gateway")
    await page.goto(f"{gateway}/ops?year=2022")
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text("Municipalities reached in 2022")
    await page.screenshot(path=shot("map-2022-en"), full_page=True)

    async with httpx.AsyncClient(timeout=30) as client:
        data = await graphql(
            client,
            gateway,
            "{ reportingCompleteness(year: 2024) { recognised reported }"
            " quarantine(first: 1) { total } }",
        )
    await page.goto(f"{gateway}/ops/follow-up?year=2024")
    completeness = page.locator("#completeness")
    assert await completeness.get_attribute("data-reported") == str(
        data["reportingCompleteness"]["reported"]
    )
    assert await completeness.get_attribute("data-recognised") == str(
        data["reportingCompleteness"]["recognised"]
    )
    assert await page.locator(".error").count() == 0
    await page.screenshot(path=shot("follow-up-2024"), full_page=True)

    # Subsidies per role only where the year's rules are known: none for 2022; for 2023 the
    # sums per role of GraphQL's subsidies (or no table while no calculation is stored).
    await page.goto(f"{gateway}/ops/follow-up?year=2022")
    await expect(page.locator("#no-rules")).to_be_visible()
    async with httpx.AsyncClient(timeout=30) as client:
        paid = await graphql(client, gateway, "{ subsidies(year: 2023) { role paidEur } }")
    await page.goto(f"{gateway}/ops/follow-up?year=2023")
    assert await page.locator("#no-rules").count() == 0
    if paid["subsidies"] is None:
        assert await page.locator("#subsidies").count() == 0
    else:
        sums: dict[str, Decimal] = {}
        for s in paid["subsidies"]:
            sums[s["role"]] = sums.get(s["role"], Decimal(0)) + Decimal(str(s["paidEur"]))
        rows = await page.eval_on_selector_all(
            "#subsidies tbody tr",
            "rows => rows.map(r => [r.querySelector('th').textContent,"
            " r.querySelector('td:last-child').textContent.split(' ')[0]])",
        )
        assert rows == [[role, f"{total:.2f}"] for role, total in sorted(sums.items())]

    await page.goto(f"{gateway}/ops/ingestion")
    assert await page.locator("#quarantine-total").get_attribute("data-total") == str(
        data["quarantine"]["total"]
    )
    assert await page.locator(".error").count() == 0
    # The consumers' lag, per partition their group committed (GET /consumer-lag).
    topics = await page.locator("#lag-activities tbody td:first-child").all_inner_texts()
    assert set(topics) == {"stem.registry.academy.v1", "stem.registry.municipality.v1"}
    subsidy_topics = await page.locator("#lag-subsidy tbody td:first-child").all_inner_texts()
    assert "stem.activities.activity.v1" in subsidy_topics
    for service in ("activities", "subsidy"):
        total = await page.locator(f"#lag-{service}").get_attribute("data-total")
        assert total is not None and int(total) >= 0
    # The harness runs no Search API poller: it never synced (GET /poller/status).
    await expect(page.locator("#poller-never")).to_be_visible()
    await page.screenshot(path=shot("ingestion"), full_page=True)


async def test_a_token_with_one_scope_sees_only_its_sections(
    browser: Browser, platform: Platform
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    gateway = platform.url("gateway")
    await page.goto(f"{gateway}/ops/login")
    await page.get_by_label("Ops-token").fill(REVIEWS_ONLY_TOKEN)
    await page.get_by_role("button", name="Aanmelden").click()
    await page.wait_for_url("**/ops")
    await page.goto(f"{gateway}/ops/ingestion")
    errors = await page.locator(".error").all_inner_texts()
    # Quarantine, two dead-letter topics, two consumers' lag, the poller, unknown organizers,
    # coordinates against postal code.
    assert len(errors) == 8
    assert all(e.endswith("Geen toegang (scope quarantine).") for e in errors)
    await page.goto(f"{gateway}/ops/follow-up?year=2024")
    assert "Geen toegang (scope participants)." in await page.locator(".error").all_inner_texts()
    assert await page.locator("#reviews-heading").count() == 1
    await context.close()
