"""/ops/academies (issue 21): an editor changes an academy's details and reports its
participants, a decider records a recognition decision, each through the page, in front of
the real registry (SQLite, in process; the platform of test_ops_link_requests_and_keys).
The registry records the signed-in person as the actor (and as a decision's author). Each
form is shown only to a role that may use it, and a post by any other role is 403 at the
gateway (and would be at the registry: its test_gateway_stands_in_for_ops_writes)."""

from __future__ import annotations

from typing import Any

from services.gateway.tests.integration.test_ops_link_requests_and_keys import (
    OPS,
    Platform,
    platform,
)
from stemkit.access.identity import ADMIN, DECIDER, EDITOR, VIEWER

__all__ = ["platform"]  # the fixture, used by name

DETAILS = {"name": "Codeclub Koppel", "website": "https://koppel.example", "contact_email": ""}
COUNTS = {"year": "2025", "quarter": "2", "under_14": "7", "from_14": "5"}
DECISION = {"status": "requested", "decided_on": "2025-01-10", "reason": "dossier in"}


def change(platform: Platform, what: str) -> str:
    return f"/ops/academies/{platform.academy}/{what}"


async def _trail(platform: Platform) -> list[dict[str, Any]]:
    found = await platform.registry.get(
        "/audit", params={"academy_id": platform.academy}, headers=OPS
    )
    entries: list[dict[str, Any]] = found.json()
    return entries


async def test_each_form_only_for_the_role_that_may_use_it(platform: Platform) -> None:
    page_url = change(platform, "change")
    assert (await (await platform.browser()).get(page_url)).status_code == 303  # sign in
    for role in (VIEWER, ADMIN):
        someone = await platform.person(f"Neither ({role})", role)
        assert (await someone.get(page_url)).status_code == 403
        listed = await someone.get("/ops/audit")
        assert "/ops/academies" not in listed.text  # no door in the navigation
        for what, form in (("details", DETAILS), ("participants", COUNTS)):
            assert (await someone.post(change(platform, what), data=form)).status_code == 403
        refused = await someone.post(change(platform, "recognition"), data=DECISION)
        assert refused.status_code == 403

    editor = await platform.person("Ed Itor", EDITOR)
    listing = await editor.get("/ops/academies")
    assert listing.status_code == 200 and page_url in listing.text
    page = await editor.get(page_url, params={"lang": "en"})
    assert page.status_code == 200, page.text[:300]
    assert 'id="details"' in page.text and 'id="participants"' in page.text
    assert 'id="recognition"' not in page.text
    refused = await editor.post(change(platform, "recognition"), data=DECISION)
    assert refused.status_code == 403

    decider = await platform.person("Dee Cider", DECIDER)
    page = await decider.get(page_url)
    assert 'id="recognition"' in page.text and 'id="details"' not in page.text
    for what, form in (("details", DETAILS), ("participants", COUNTS)):
        assert (await decider.post(change(platform, what), data=form)).status_code == 403
    assert not [e for e in await _trail(platform) if e["actor"]["subject"].startswith("sub-")]


async def test_the_editor_and_the_decider_change_and_are_the_authors(platform: Platform) -> None:
    editor = await platform.person("Ed Itor", EDITOR)
    forged = await editor.post(
        change(platform, "details"), data=DETAILS, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 403
    done = await editor.post(change(platform, "details"), data=DETAILS | {"reason": "by phone"})
    assert done.status_code == 303, done.text[:300]
    assert done.headers["location"] == change(platform, "change") + "?done=details"
    shown = await editor.get(done.headers["location"])
    assert "Gegevens bewaard." in shown.text and "https://koppel.example" in shown.text
    academy = (await platform.registry.get(f"/academies/{platform.academy}", headers=OPS)).json()
    assert academy["website"] == "https://koppel.example"

    bad = await editor.post(change(platform, "details"), data=DETAILS | {"website": "nope"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text

    reported = await editor.post(change(platform, "participants"), data=COUNTS)
    assert reported.status_code == 303, reported.text[:300]
    reports = await platform.registry.get(
        f"/academies/{platform.academy}/participant-reports", headers=OPS
    )
    assert [
        (r["year"], r["quarter"], r["participants"], r["under_14"], r["from_14"])
        for r in reports.json()
    ] == [(2025, 2, 12, 7, 5)]

    decider = await platform.person("Dee Cider", DECIDER)
    decided = await decider.post(change(platform, "recognition"), data=DECISION)
    assert decided.status_code == 303, decided.text[:300]
    again = await decider.post(change(platform, "recognition"), data=DECISION)
    assert again.status_code == 409 and 'role="alert"' in again.text  # not allowed from now
    recognition = await platform.registry.get(
        f"/academies/{platform.academy}/recognition", headers=OPS
    )
    assert recognition.json()["current"]["author"] == "Dee Cider <sub-Dee Cider>"

    trail = await _trail(platform)
    by = {(e["entity"], e["actor"]["subject"], e["actor"]["via"]) for e in trail}
    assert {
        ("academy", "sub-Ed Itor", "gateway/oidc"),
        ("participant_report", "sub-Ed Itor", "gateway/oidc"),
        ("recognition", "sub-Dee Cider", "gateway/oidc"),
    } <= by
    assert [
        e["reason"] for e in trail if e["entity"] == "academy" and e["action"] != "registered"
    ] == ["by phone"]


async def test_only_the_fields_changed_are_sent(platform: Platform) -> None:
    """A [DEMO] academy's name, sent back unchanged, would be refused as a new name (the
    registry allows it only when registering a demo academy): the page sends what changed."""
    created = await platform.registry.post(
        "/academies", json={"name": "[DEMO] Codeclub Demo", "demo": True}, headers=OPS
    )
    academy = created.json()["id"]
    editor = await platform.person("Ed Itor", EDITOR)
    page = await editor.get(f"/ops/academies/{academy}/change")
    assert 'value="[DEMO] Codeclub Demo"' in page.text
    form = {"name": "[DEMO] Codeclub Demo", "website": "https://demo.example", "home_nis_code": ""}
    done = await editor.post(f"/ops/academies/{academy}/details", data=form)
    assert done.status_code == 303, done.text[:300]
    trail = (
        await platform.registry.get("/audit", params={"academy_id": academy}, headers=OPS)
    ).json()
    (changed,) = [e for e in trail if e["actor"]["subject"] == "sub-Ed Itor"]
    assert changed["after"]["website"] == "https://demo.example"
    assert changed["after"]["name"] == "[DEMO] Codeclub Demo"
