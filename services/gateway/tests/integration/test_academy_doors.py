"""Academy self-service through the gateway, in front of the real registry, activities and
subsidy apps (SQLite, in process; issue 21): a coordinator signs in with a development
coordinator token, reports participants and keeps the profile of their own academy, and
finds no door open to another academy: pages, GraphQL, REST via the gateway and the
services' own routes."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from gateway.config import Settings as GatewaySettings
from stemkit.settings import DEV_GATEWAY_TOKEN, DEV_OPS_TOKEN
from tests.browser.not_counted_seed import YEAR, organizer, seed
from tests.browser.service_apps import ServiceApps

OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
TOKEN_A = "dev-coordinator-token-of-academy-a-for-tests"
TOKEN_NONE = "dev-coordinator-token-of-no-academy-at-all"


@dataclass
class Platform:
    gateway: httpx.AsyncClient
    registry: httpx.AsyncClient
    own: str
    other: str
    apps: dict[str, Any]


@pytest.fixture
async def platform(services: ServiceApps) -> AsyncIterator[Platform]:
    registry = await services.client("registry")
    own = (await registry.post("/academies", json={"name": "Codeclub A"}, headers=OPS)).json()
    other = (
        await registry.post(
            "/academies",
            json={"name": "Robotclub B", "website": "https://b-secret.example"},
            headers=OPS,
        )
    ).json()
    settings = GatewaySettings(
        environment="development",
        dev_coordinator_tokens={TOKEN_A: own["id"], TOKEN_NONE: ""},
        gateway_token=SecretStr(DEV_GATEWAY_TOKEN),
    )
    client = await services.gateway_client(settings)
    yield Platform(client, registry, own["id"], other["id"], services.apps)


async def test_a_coordinator_reports_and_keeps_their_own_academy(platform: Platform) -> None:
    gw = platform.gateway
    assert (await gw.get("/academie")).headers["location"] == "/academie/aanmelden"
    refused = await gw.post("/academie/aanmelden", data={"token": "wrong"})
    assert refused.status_code == 401
    signed = await gw.post("/academie/aanmelden?lang=fr", data={"token": TOKEN_A})
    assert signed.status_code == 303, signed.text
    cookie = signed.headers["set-cookie"]
    for flag in ("HttpOnly", "Path=/academie", "SameSite=strict"):
        assert flag in cookie
    page = await gw.get("/academie", params={"lang": "fr"})
    assert page.status_code == 200, page.text[:300]
    assert "Codeclub A" in page.text and 'lang="fr"' in page.text and "Portée en" in page.text
    reported = await gw.post(
        "/academie/deelnemers",
        data={"year": "2024", "quarter": "2", "under_14": "12", "from_14": "3"},
    )
    assert reported.status_code == 303, reported.text
    listed = await gw.get("/academie/deelnemers", params={"lang": "en"})
    row = re.search(r'<table id="reports">.*?</table>', listed.text, re.S)
    assert row and "quarter 2" in row.group(0) and ">15<" in row.group(0)
    kept = await gw.post(
        "/academie/profiel", data={"website": "https://a.example", "contact_email": "a@a.example"}
    )
    assert kept.status_code == 303, kept.text
    asked = await gw.post(
        "/academie/profiel", data={"organizer_id": "11111111-2222-4333-8444-555555555555"}
    )
    assert asked.status_code == 303, asked.text
    profile = await gw.get("/academie/profiel")
    assert "https://a.example" in profile.text and "wacht op VLAIO" in profile.text

    # The registry holds it, the organizer id is not linked until ops confirm, and the trail
    # names the coordinator.
    academy = (await platform.registry.get(f"/academies/{platform.own}", headers=OPS)).json()
    assert academy["website"] == "https://a.example" and academy["uit_organizer_ids"] == []
    trail = (
        await platform.registry.get("/audit", params={"academy_id": platform.own}, headers=OPS)
    ).json()
    subject = f"static:coordinator:{platform.own}"
    assert {e["action"] for e in trail if e["actor"]["subject"] == subject} == {
        "reported",
        "updated",
        "requested",
    }


async def test_the_not_counted_table_gives_every_reason_for_the_own_academy_only(
    platform: Platform,
) -> None:
    apps = platform.apps
    own = await seed(apps["activities"], apps["subsidy"], platform.own, "Codeclub A")
    other = await seed(apps["activities"], apps["subsidy"], platform.other, "Robotclub B")
    gw = platform.gateway
    await gw.post("/academie/aanmelden", data={"token": TOKEN_A})
    asked = await gw.post("/academie/profiel", data={"organizer_id": own.asked})
    assert asked.status_code == 303, asked.text
    expected = {
        "nl": {
            "not_linked": "organisator niet gekoppeld",
            "unknown_postal_code": "postcode 9999 is onbekend",
            "outside_flanders": "buiten Vlaanderen (BE 1000)",
            "no_address": "geen adres met postcode",
            "not_recognised": f"academie niet erkend op {YEAR}-03-08",
            "quarantined": "in quarantaine",
        },
        "fr": {
            "not_linked": "organisateur non lié",
            "unknown_postal_code": "le code postal 9999 est inconnu",
            "outside_flanders": "hors de la Flandre (BE 1000)",
            "no_address": "pas d'adresse avec code postal",
            "not_recognised": f"académie non reconnue le {YEAR}-03-08",
            "quarantined": "en quarantaine",
        },
        "en": {
            "not_linked": "organizer not linked",
            "unknown_postal_code": "postal code 9999 is not known",
            "outside_flanders": "outside Flanders (BE 1000)",
            "no_address": "no address with a postal code",
            "not_recognised": f"academy not recognised on {YEAR}-03-08",
            "quarantined": "quarantined",
        },
    }
    for lang, words in expected.items():
        page = await gw.get("/academie", params={"year": YEAR, "lang": lang})
        assert page.status_code == 200, page.text[:500]
        table = re.search(r'<table id="not-counted"[^>]*>.*?</table>', page.text, re.S)
        assert table, page.text[-2000:]
        rows = dict(re.findall(r'<tr data-reason="(\w+)">(.*?)</tr>', table.group(0), re.S))
        assert set(rows) == set(words), rows.keys()
        for reason, wanted in words.items():
            row = html.unescape(rows[reason])
            assert own.names[reason] in row, (reason, row)
            assert wanted in row, (lang, reason, row)
        assert "no usable date" in html.unescape(rows["quarantined"])
        # Nothing of the other academy, though it has a row for every reason too.
        assert "Robotclub B" not in page.text and other.organizer not in page.text
    # Another year: the sessions of that year only (none), not linked and quarantined stay.
    earlier = await gw.get("/academie", params={"year": YEAR - 1})
    reasons = set(re.findall(r'<tr data-reason="(\w+)">', earlier.text))
    assert reasons == {"not_linked", "quarantined"}


async def test_no_door_opens_on_another_academy(platform: Platform) -> None:
    gw, other = platform.gateway, platform.other
    # The other academy has an activity for every reason of the "not counted" table.
    await seed(platform.apps["activities"], platform.apps["subsidy"], other, "Robotclub B")
    await gw.post("/academie/aanmelden", data={"token": TOKEN_A})
    # Pages: whatever names the other academy, the pages show and change only the own one.
    for path in (
        f"/academie?academy={other}",
        f"/academie?academy_id={other}",
        f"/academie?academy_id={other}&year={YEAR}",
        f"/academie?year={YEAR}&academy={other}&organizer_id={organizer(other, 'linked')}",
        f"/academie/deelnemers?academy={other}",
        f"/academie/profiel?academy_id={other}",
        f"/academie/{other}",
        f"/academie/profiel/{other}",
    ):
        answer = await gw.get(path)
        assert "Robotclub B" not in answer.text and "b-secret" not in answer.text, path
    sneaky = await gw.post(
        f"/academie/profiel?academy_id={other}",
        data={"website": "https://hijacked.example", "academy_id": other},
    )
    assert sneaky.status_code in (303, 422)
    b = (await platform.registry.get(f"/academies/{other}", headers=OPS)).json()
    assert b["website"] == "https://b-secret.example"
    # GraphQL and the gateway's REST feeds: a coordinator's token is no credential there.
    for headers in ({"Authorization": f"Bearer {TOKEN_A}"}, {"X-API-Key": TOKEN_A}):
        query = (
            f'{{ auditTrail(academyId: "{other}") {{ id }} '
            f'participantReports(academyId: "{other}") {{ id }} }}'
        )
        answer = await gw.post("/graphql", json={"query": query}, headers=headers)
        assert answer.status_code == 401
        feed = await gw.get("/feeds/activities.jsonld", headers=headers, params={"key": TOKEN_A})
        assert feed.status_code in (401, 403)
    # The services' own doors: the coordinator's development token means nothing there, and
    # the gateway's credential opens the other academy's self-service for no one.
    registry = platform.registry
    path = f"/self-service/academies/{other}"
    assert (
        await registry.get(path, headers={"Authorization": f"Bearer {TOKEN_A}"})
    ).status_code == 401
    gateway_for_a = {
        "Authorization": f"Bearer {DEV_GATEWAY_TOKEN}",
        "X-Stem-Actor-Subject": f"static:coordinator:{platform.own}",
        "X-Stem-Actor-Academy": platform.own,
    }
    assert (await registry.get(path, headers=gateway_for_a)).status_code == 403
    report = {"year": 2024, "participants": 1}
    assert (
        await registry.post(f"{path}/participant-reports", json=report, headers=gateway_for_a)
    ).status_code == 403
    assert (
        await registry.post(
            f"/academies/{other}/participant-reports", json=report, headers=gateway_for_a
        )
    ).status_code == 403
    # The reads behind the "not counted" table: a coordinator's token opens none of them.
    coordinator = {"Authorization": f"Bearer {TOKEN_A}"}
    doors: list[tuple[str, str, dict[str, str | int]]] = [
        ("activities", "/not-counted/without-municipality", {"academy_id": other}),
        ("activities", "/not-counted/quarantined", {"academy_id": other}),
        ("activities", "/organizers/unknown", {}),
        ("subsidy", "/reach/unrecognised", {"academy_id": other, "year": YEAR}),
    ]
    for app, path, params in doors:
        transport = httpx.ASGITransport(platform.apps[app])
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{app}") as service:
            answer = await service.get(path, params=params, headers=coordinator)
            assert answer.status_code == 401, (path, answer.status_code)
    # A token of no academy signs in to nothing.
    fresh = httpx.AsyncClient(transport=gw._transport, base_url="http://gw")
    async with fresh:
        assert (
            await fresh.post("/academie/aanmelden", data={"token": TOKEN_NONE})
        ).status_code in (303, 401)
        assert (await fresh.get("/academie")).status_code == 303
