"""Issue 21's "done when": each demo user of the development realm can do exactly what their
role allows, end to end, through GraphQL and through the browser (docs/adr/0019, 0020).

The whole platform runs as `make run` runs it (tests/e2e/harness.py: every process, the real
Kafka, a PostgreSQL database per service, the registry's [DEMO] academies seeded so that the
coordinators' `academy_id` claims exist), with the running test Keycloak
(`STEM_TEST_OIDC_ISSUER`) as its identity provider and the realm's client secrets as
scripts/run.sh sets them. Every action of the table `MAY` (tests/e2e/demo_users.py) is tried
as every demo user with their own access token or browser sign-in: a role that can do more,
or less, than the table says fails the test, which lists every such cell at once.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from conftest import fresh_database
from tests.browser.test_ops_dashboard import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.demo_browser import BROWSER_PROBES, Visit, settled
from tests.e2e.demo_doors import PROBES, Doors
from tests.e2e.demo_users import (
    DECIDER,
    EDITOR,
    EVERYONE,
    KEMPEN,
    MAY,
    NAMES,
    DemoUser,
    Outcome,
    Tokens,
    issuer,
    realm_users,
)
from tests.e2e.harness import ROOT, SERVICES_WITH_DB, Platform

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(420)]


def run_sh_clients() -> dict[str, str]:
    """The realm's development clients and secrets as scripts/run.sh exports them for
    `make run` (`export NAME="${NAME:-value}"`), read from the script itself."""
    script = (ROOT / "scripts" / "run.sh").read_text()
    found = dict(re.findall(r'export (\w*OIDC_CLIENT\w*)="\$\{\1:-([^}]+)\}"', script))
    assert {"GATEWAY_OPS_OIDC_CLIENT_SECRET", "GATEWAY_OIDC_CLIENT_ID"} <= set(found), found
    return found


def wrong_cells(found: dict[tuple[str, str], Outcome]) -> list[str]:
    wanted = {key: "allowed" if key[1] in MAY[key[0]] else "refused" for key in found}
    return [
        f"{user} / {action}: {found[(action, user)]}, the table says {wanted[(action, user)]}"
        for action, user in sorted(found)
        if found[(action, user)] != wanted[(action, user)]
    ]


@pytest.fixture(scope="module")
def users() -> dict[str, DemoUser]:
    return realm_users()


@pytest.fixture(scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    assert kafka, "KAFKA_BOOTSTRAP_SERVERS is not set: run with `make test`"
    async with AsyncExitStack() as stack:
        urls = {s: await stack.enter_async_context(fresh_database()) for s in SERVICES_WITH_DB}
        running = Platform(kafka=kafka, database_urls=urls)
        running.extra_env.update(run_sh_clients(), STEM_OIDC_ISSUER=issuer())
        running.extra_env["GATEWAY_RESPONSE_CACHE_SECONDS"] = "0"  # every answer asked anew
        # The gateway's partner key store there, not in the working tree's var/data.
        running.extra_env["STEM_DATA_DIR"] = str(tmp_path_factory.mktemp("demo-users"))
        try:
            await asyncio.to_thread(running.start)
            await running.wait_healthy(within=180)
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        found = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield found
        await found.close()


def test_the_table_names_every_demo_user_and_every_action_has_a_door(
    users: dict[str, DemoUser],
) -> None:
    assert set(users) == EVERYONE  # a new demo user needs its row
    assert set(MAY) == set(PROBES) | set(BROWSER_PROBES)
    assert all(allowed <= EVERYONE for allowed in MAY.values())


def test_the_banner_names_every_demo_user_with_password_role_and_academy(
    users: dict[str, DemoUser],
) -> None:
    """What `make run` prints (tools/devbanner.py, issue 21): every demo user; a
    coordinator with the name of their [DEMO] academy; none without a provider."""
    banner = [sys.executable, str(ROOT / "tools" / "devbanner.py")]
    env = {**os.environ, "STEM_OIDC_ISSUER": "http://127.0.0.1:8180/realms/stem"}
    shown = subprocess.run(banner, env=env, capture_output=True, text=True, check=True).stdout
    for user in users.values():
        what = ", ".join(sorted(user.roles))
        if user.academy_id:
            assert NAMES[user.academy_id].startswith("[DEMO] ")
            what += f" of {NAMES[user.academy_id]}"
        line = next(ln for ln in shown.splitlines() if f" {user.username} " in ln)
        assert line.split() == [user.username, "/", f"{user.password}:", *what.split()], line
    assert "/academie" in shown and "http://127.0.0.1:8180/realms/stem" in shown
    without = {k: v for k, v in os.environ.items() if k != "STEM_OIDC_ISSUER"}
    plain = subprocess.run(banner, env=without, capture_output=True, text=True, check=True)
    assert not [u for u in users if u in plain.stdout]


async def test_graphql_and_the_services_let_each_demo_user_do_exactly_their_part(
    platform: Platform, users: dict[str, DemoUser]
) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        doors = Doors(platform, Tokens(users), client)
        await doors.ask_links(sorted(users))
        found = {
            (action, user): await probe(doors, user)
            for action, probe in PROBES.items()
            for user in sorted(users)
        }
    assert not wrong_cells(found), "\n".join(wrong_cells(found))


async def test_the_browser_lets_each_demo_user_do_exactly_their_part(
    platform: Platform, users: dict[str, DemoUser], browser: Browser
) -> None:
    tokens = Tokens(users)
    found: dict[tuple[str, str], Outcome] = {}
    async with httpx.AsyncClient(timeout=60) as client:
        doors = Doors(platform, tokens, client)
        await doors.ask_links(sorted(users))
    for name, user in sorted(users.items()):
        context = await browser.new_context()
        try:
            page = await context.new_page()
            visit = Visit(page, platform.url("gateway"), user, tokens, doors.link_requests[name])
            for action, probe in BROWSER_PROBES.items():
                found[(action, name)] = await probe(visit)
        finally:
            await context.close()
    assert not wrong_cells(found), "\n".join(wrong_cells(found))


async def test_the_audit_trail_on_ops_names_the_person_who_changed_and_decided(
    platform: Platform, users: dict[str, DemoUser], browser: Browser
) -> None:
    """An editor's change and a decider's decision, made with their own tokens, are shown
    on /ops/audit with the person's name, not free text nor the shared token."""
    tokens = Tokens(users)
    async with httpx.AsyncClient(timeout=60) as client:
        registry = platform.url("registry")
        changed = await client.patch(
            f"{registry}/academies/{KEMPEN}",
            params={"reason": "new website"},
            json={"website": "https://kempen.example.org/"},
            headers={"Authorization": f"Bearer {await tokens.of(EDITOR)}"},
        )
        assert changed.status_code == 200, changed.text
        decided = await client.post(
            f"{registry}/academies/{KEMPEN}/recognition",
            json={
                "status": "renewal_due",
                "decided_on": "2024-02-01",
                "reason": "dossier",
                "author": "someone else typed this",
            },
            headers={"Authorization": f"Bearer {await tokens.of(DECIDER)}"},
        )
        assert decided.status_code == 201, decided.text
        assert decided.json()["author"].startswith(f"{DECIDER} <")
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{platform.url('gateway')}/ops/login?lang=en")
        await page.click("#sign-in-provider")
        viewer = users["ops-viewer"]
        assert await settled(page, "/ops", "p.error[role=alert]", viewer) == "allowed"
        await page.goto(f"{platform.url('gateway')}/ops/audit?lang=en&academy={KEMPEN}")
        rows = await page.eval_on_selector_all(
            "#audit tbody tr", "rs => rs.map(r => [r.cells[1].innerText, r.innerText])"
        )
        assert any(who.startswith(EDITOR) and "new website" in row for who, row in rows), rows
        assert any(who.startswith(DECIDER) and "recognition" in row for who, row in rows), rows
        assert not any("someone else" in who for who, _ in rows), rows
    finally:
        await context.close()
