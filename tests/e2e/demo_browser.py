"""The browser's doors of the table (tests/e2e/demo_users.py `MAY`), in Chromium driven by
Playwright: each demo user in a browser context of their own signs in on Keycloak's own
login page (/ops, then /academie), then tries every browser action.
A refused person is also tried with a forged form post (same origin, their own session):
it must be refused too, not only the button hidden.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from playwright.async_api import Page

from gateway.config import DEV_PARTNER_KEY
from tests.e2e.demo_users import (
    COORDINATOR_OF,
    LEUVEN,
    NAMES,
    VIEWER,
    DemoUser,
    Outcome,
    Tokens,
)

DASHBOARDS = ("/ops", "/ops/follow-up", "/ops/ingestion", "/ops/audit")
PARTNER_QUERY = {"query": "{ academies(first: 1) { nodes { id } } }"}
TRAIL_QUERY = '{ auditTrail(academyId: "LEUVEN") { actor { name } entity } }'.replace(
    "LEUVEN", LEUVEN
)


@dataclass
class Visit:
    """One demo user's browser, and what the actions need."""

    page: Page
    gateway: str
    user: DemoUser
    tokens: Tokens
    link_request: str  # a pending organizer link request, for this user to try to confirm
    seen: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.user.username

    def path(self) -> str:
        return "/" + self.page.url.split("://", 1)[-1].partition("/")[2].partition("?")[0]

    async def forged_post(self, path: str, form: str = "reason=forged") -> int:
        """A form post made by hand from the person's own signed-in page (same origin)."""
        status: int = await self.page.evaluate(
            """([path, form]) => fetch(path, {method: 'POST', body: form, redirect: 'manual',
                headers: {'Content-Type': 'application/x-www-form-urlencoded'}})
                .then(r => r.type === 'opaqueredirect' ? 303 : r.status)""",
            [path, form],
        )
        return status


async def keycloak_login(page: Page, user: DemoUser) -> None:
    await page.wait_for_selector("#username", timeout=60_000)  # Keycloak's own page
    await page.fill("#username", user.username)
    await page.fill("#password", user.password)
    await page.click("#kc-login")


async def settled(
    page: Page, done: str, refused: str, user: DemoUser | None = None, within: float = 60
) -> Outcome:
    """Wait until the page is at `done` (a path) or shows the `refused` element; with a
    `user`, sign in on Keycloak's page if it asks (it does not while the browser holds the
    person's session at the provider)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if "/" + page.url.split("://", 1)[-1].partition("/")[2].partition("?")[0] == done:
            return "allowed"
        if await page.locator(refused).count():
            return "refused"
        if user is not None and await page.locator("#kc-login").count():
            await keycloak_login(page, user)
            user = None
        await asyncio.sleep(0.2)
    raise AssertionError(f"neither {done} nor {refused} within {within} s: at {page.url}")


def _refused_post(visit: Visit, status: int, what: str) -> Outcome:
    """A forged post's answer: 403, or 303 to the sign-in page (no session), is a refusal."""
    if status in (303, 401, 403):
        return "refused"
    if status in (200, 201):
        return "allowed"
    raise AssertionError(f"{visit.name} {what}: {status}")


async def ops_sign_in(visit: Visit) -> Outcome:
    """/ops: sign in through Keycloak; a staff member then sees every dashboard, none with a
    form that changes anything (the dashboards only read)."""
    page, gateway = visit.page, visit.gateway
    await page.goto(f"{gateway}/ops/login?lang=en")
    await page.click("#sign-in-provider")
    outcome = await settled(page, "/ops", "p.error[role=alert]", visit.user)
    cookies = {c["name"] for c in await page.context.cookies(f"{gateway}/ops")}
    if outcome == "refused":
        assert "stem_ops_session" not in cookies, f"{visit.name}: refused, yet a session"
        return outcome
    for path in DASHBOARDS:
        answer = await page.goto(f"{gateway}{path}?lang=en")
        assert answer is not None and answer.status == 200, f"{visit.name} {path}"
        assert visit.path() == path, f"{visit.name} {path}: at {page.url}"
        posting = await page.eval_on_selector_all(
            "form", "fs => fs.filter(f => f.method === 'post').map(f => new URL(f.action).pathname)"
        )
        assert posting == ["/ops/logout"], f"{visit.name} {path}: {posting}"
    return outcome


async def ops_link_request(visit: Visit) -> Outcome:
    """/ops/link-requests: an editor confirms a coordinator's request with its button;
    anyone else gets no button, and their forged post is refused."""
    page, gateway = visit.page, visit.gateway
    await page.goto(f"{gateway}/ops/link-requests?lang=en")
    action = f"/ops/link-requests/{visit.link_request}/confirm"
    button = page.locator(f"form[action^='{action}'] button[type=submit]").first
    if visit.path() != "/ops/link-requests" or not await button.count():
        return _refused_post(visit, await visit.forged_post(action), action)
    await button.click()
    await page.wait_for_url("**/ops/link-requests?done=confirmed*", timeout=30_000)
    return "allowed"


async def ops_partner_keys(visit: Visit) -> Outcome:
    """/ops/keys: an admin makes a partner key, which then opens GraphQL, and revokes it,
    which closes it again; anyone else is refused the page and the forged post."""
    page, gateway = visit.page, visit.gateway
    answer = await page.goto(f"{gateway}/ops/keys?lang=en")
    if visit.path() != "/ops/keys" or answer is None or answer.status != 200:
        return _refused_post(visit, await visit.forged_post("/ops/keys", "name=forged"), "keys")
    name = f"demo-users test key of {visit.name} {time.time_ns()}"
    await page.fill("#name", name)
    await page.click("#create-key button[type=submit]")
    key = (await page.inner_text("#new-key-value", timeout=30_000)).strip()
    async with httpx.AsyncClient(timeout=30) as client:
        opened = await client.post(
            f"{gateway}/graphql", json=PARTNER_QUERY, headers={"X-API-Key": key}
        )
        assert opened.status_code == 200, opened.text
        await page.click(f"button[aria-label$='({name})']")
        await page.wait_for_selector("p.notice[role=status]", timeout=30_000)
        closed = await client.post(
            f"{gateway}/graphql", json=PARTNER_QUERY, headers={"X-API-Key": key}
        )
        assert closed.status_code == 401, closed.text
        kept = await client.post(
            f"{gateway}/graphql", json=PARTNER_QUERY, headers={"X-API-Key": DEV_PARTNER_KEY}
        )
        assert kept.status_code == 200, kept.text  # only that key was revoked
    return "allowed"


async def academy_pages(visit: Visit) -> Outcome:
    """/academie: sign in at the provider (the browser may hold the person's session there
    already, from /ops); a coordinator sees their own academy, and asking for another
    (query parameters on every page) changes nothing."""
    page, gateway = visit.page, visit.gateway
    await page.goto(f"{gateway}/academie/aanmelden?lang=en")
    await page.click("#sign-in-provider")
    outcome = await settled(page, "/academie", "p.error[role=alert]", visit.user)
    if outcome == "refused":
        cookies = {c["name"] for c in await page.context.cookies(f"{gateway}/academie")}
        assert "stem_academy_session" not in cookies, f"{visit.name}: refused, yet a session"
        return outcome
    own = NAMES[visit.user.academy_id or ""]
    others = [name for academy, name in NAMES.items() if academy != visit.user.academy_id]
    for path in ("", "/deelnemers", "/profiel"):
        for other in COORDINATOR_OF:
            asked = f"{gateway}/academie{path}?lang=en&academy={other}&academy_id={other}"
            answer = await page.goto(asked)
            assert answer is not None and answer.status == 200, f"{visit.name} {asked}"
            brand = await page.inner_text(".brand")
            assert own in brand, f"{visit.name} {asked}: {brand}"
            text = await page.inner_text("body")
            assert not [name for name in others if name in text], f"{visit.name} {asked}"
    await report_for_own_academy_only(visit)
    return outcome


async def report_for_own_academy_only(visit: Visit) -> None:
    """A participant report posted by hand naming another academy lands on the
    coordinator's own (read back by the viewer through GraphQL), never on the other."""
    own = visit.user.academy_id or ""
    other = next(academy for academy in COORDINATOR_OF if academy != own)
    figure = 41 + list(COORDINATOR_OF).index(own)  # each coordinator's own number
    form = f"year=2021&under_14={figure - 10}&from_14=10&academy_id={other}&academy={other}"
    assert await visit.forged_post("/academie/deelnemers", form) == 303
    query = '{ participantReports(academyId: "%s", year: 2021) { participants } }'
    viewer = {"Authorization": f"Bearer {await visit.tokens.of(VIEWER)}"}
    async with httpx.AsyncClient(timeout=30) as client:
        for academy, wanted in ((own, True), (other, False)):
            answer = await client.post(
                f"{visit.gateway}/graphql", json={"query": query % academy}, headers=viewer
            )
            reports = answer.json()["data"]["participantReports"]
            found = figure in [r["participants"] for r in reports]
            assert found == wanted, f"{visit.name}: {academy} 2021 {reports}"


async def _academy_form(visit: Visit, form: str, fill: dict[str, str]) -> Outcome:
    """/ops/academies/{id}/change: the person fills `form` and sends it, and the page says
    it is done; a person not shown the form has their forged post refused."""
    page, gateway = visit.page, visit.gateway
    base = f"/ops/academies/{LEUVEN}"
    answer = await page.goto(f"{gateway}{base}/change?lang=en")
    shown = answer is not None and answer.status == 200 and visit.path() == f"{base}/change"
    if not shown or not await page.locator(f"form#{form}").count():
        forged = "&".join(f"{k}={v}" for k, v in fill.items() if not k.startswith("#"))
        return _refused_post(visit, await visit.forged_post(f"{base}/{form}", forged), form)
    for name, value in fill.items():
        where = f"form#{form} {name}" if name.startswith("#") else f"form#{form} [name={name}]"
        if name in {"quarter", "#f-status"}:
            continue  # selects: the first choice (the whole year; a status allowed now)
        await page.fill(where, value)
    await page.click(f"form#{form} button[type=submit]")
    await page.wait_for_url(f"**{base}/change?done={form}*", timeout=30_000)
    return "allowed"


async def ops_academy_details(visit: Visit) -> Outcome:
    fill = {"website": f"https://leuven.example.org/{visit.name}", "reason": "by browser"}
    return await _academy_form(visit, "details", fill)


async def ops_academy_participants(visit: Visit) -> Outcome:
    fill = {"year": "2022", "under_14": "9", "from_14": "6", "#f-report-reason": "by browser"}
    return await _academy_form(visit, "participants", fill)


async def ops_recognition_decision(visit: Visit) -> Outcome:
    fill = {"decided_on": "2025-06-02", "reason": "by browser", "status": "under_review"}
    if visit.name != "ops-decider":
        return await _academy_form(visit, "recognition", fill)
    outcome = await _academy_form(visit, "recognition", {k: fill[k] for k in fill if k != "status"})
    async with httpx.AsyncClient(timeout=30) as client:  # the decider is the author
        answer = await client.post(
            f"{visit.gateway}/graphql",
            json={"query": TRAIL_QUERY},
            headers={"Authorization": f"Bearer {await visit.tokens.of(VIEWER)}"},
        )
    trail = answer.json()["data"]["auditTrail"]
    authors = [e["actor"]["name"] for e in trail if e["entity"] == "recognition"]
    assert any(name.startswith(visit.name) for name in authors), authors
    return outcome


# action of the table -> how the browser tries it, in this order (sign-in first).
BROWSER_PROBES: dict[str, Callable[[Visit], Awaitable[Outcome]]] = {
    "browser: /ops sign-in, dashboards and audit trail": ops_sign_in,
    "browser: /ops confirm an organizer link request": ops_link_request,
    "browser: /ops partner keys: make and revoke": ops_partner_keys,
    "browser: /ops change an academy's details": ops_academy_details,
    "browser: /ops report an academy's participants": ops_academy_participants,
    "browser: /ops record a recognition decision": ops_recognition_decision,
    "browser: /academie sign-in, own academy's pages": academy_pages,
}
