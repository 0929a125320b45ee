"""/ops/academies in Chromium, for people signed in through the real Keycloak of `make test`
(issue 21, docs/adr/0021 addendum): the demo editor changes an academy's details and reports
its participants, the demo decider records a recognition decision; each page passes
axe-core's WCAG 2.1 AA checks in English and Dutch, also with the registry's refusal shown.
The site (gateway under uvicorn before the in-process services) is
test_ops_link_requests_and_keys's."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.test_ops_link_requests_and_keys import (
    OPS,
    Site,
    _no_violations,
    _sign_in,
    site,
)

__all__ = ["site"]  # the fixture, used by name (`browser` is the conftest's)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


async def test_the_editor_changes_details_and_reports_participants(
    browser: Browser, site: Site
) -> None:
    page = await _sign_in(browser, site, "ops-editor")
    nav = page.get_by_role("navigation")
    await nav.get_by_role("link", name="Changing academies").click()
    await _no_violations(page, "ops-academies-en.png")
    await page.get_by_role("link", name="Codeclub Keten").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Changing Codeclub Keten")
    await expect(page.locator("form#recognition")).to_have_count(0)  # no decider
    await _no_violations(page, "ops-academy-change-en.png")

    await page.get_by_label("Website").fill("https://keten.example.org/")
    await page.locator("form#details").get_by_label("Why (for the audit trail)").fill("phone")
    await page.get_by_role("button", name="Save details").click()
    await expect(page.get_by_role("status")).to_contain_text("Details saved.")
    await page.get_by_label("Year").fill("2025")
    await page.get_by_label("Quarter").select_option("3")
    await page.get_by_label("Under 14").fill("11")
    await page.get_by_label("14 and over").fill("4")
    await page.get_by_role("button", name="Report participants").click()
    await expect(page.get_by_role("status")).to_contain_text("Participants reported.")

    await page.get_by_label("Website").fill("not a website")  # the browser's check aside:
    await page.evaluate("document.querySelector('form#details').noValidate = true")
    await page.get_by_role("button", name="Save details").click()
    await expect(page.get_by_role("alert")).to_contain_text("website")
    await _no_violations(page, "ops-academy-change-refused-en.png")
    await page.goto(f"{site.url}/ops/academies/{site.academy}/change")
    await _no_violations(page, "ops-academy-change-nl.png")

    academy = (await site.registry.get(f"/academies/{site.academy}", headers=OPS)).json()
    assert academy["website"] == "https://keten.example.org/"
    reports = await site.registry.get(f"/academies/{site.academy}/participant-reports", headers=OPS)
    assert [(r["quarter"], r["participants"]) for r in reports.json()] == [(3, 15)]
    trail = await site.registry.get("/audit", params={"academy_id": site.academy}, headers=OPS)
    names = {(e["entity"], e["actor"]["name"]) for e in trail.json()}
    assert {("academy", "ops-editor"), ("participant_report", "ops-editor")} <= names


async def test_the_decider_records_a_recognition_decision(browser: Browser, site: Site) -> None:
    page = await _sign_in(browser, site, "ops-decider")
    await page.goto(f"{site.url}/ops/academies/{site.academy}/change?lang=en")
    await expect(page.locator("form#details")).to_have_count(0)  # no editor
    await expect(page.locator("#current-status")).to_have_text("no decision yet")
    await page.get_by_label("New status").select_option("requested")
    await page.get_by_label("Decided on").fill("2025-02-03")
    await page.get_by_label("Reasons").fill("dossier ontvangen")
    await page.get_by_role("button", name="Record decision").click()
    await expect(page.get_by_role("status")).to_contain_text("Decision recorded.")
    await expect(page.locator("#current-status")).to_have_text("requested")
    await _no_violations(page, "ops-academy-decision-en.png")
    await page.goto(f"{site.url}/ops/academies/{site.academy}/change")
    await _no_violations(page, "ops-academy-decision-nl.png")

    recognition = await site.registry.get(f"/academies/{site.academy}/recognition", headers=OPS)
    assert recognition.json()["current"]["author"].startswith("ops-decider <")
