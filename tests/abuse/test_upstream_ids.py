"""What the gateway sends upstream (issue 17): ids that would change an upstream path are
refused before any call, and every upstream request carries the gateway's own service token,
never the partner's key nor the caller's ops token.

The gateway here runs in front of the real registry, activities and subsidy apps of the
`platform` fixture, through a transport that writes down every request it forwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.entrypoints.api import create_app as gateway_app
from stemkit.settings import DEV_GATEWAY_TOKEN
from tests.abuse.conftest import OPS_TOKEN, PARTNER_KEY, UPSTREAMS, Platform, gateway_settings

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

HOSTILE_IDS = ["..", ".", "../academies", "a/b", "%2e%2e", "..%2f", "x" * 200, "", " "]


@dataclass
class Sent:
    requests: list[tuple[str, httpx.Request]] = field(default_factory=list)


class Recording(httpx.AsyncBaseTransport):
    def __init__(self, name: str, app: FastAPI, sent: Sent) -> None:
        self.name, self.inner, self.sent = name, httpx.ASGITransport(app), sent

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.requests.append((self.name, request))
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def gateway(
    platform: Platform, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Sent]]:
    sent = Sent()
    transports = {name: Recording(name, platform.apps[name], sent) for name in UPSTREAMS}
    app = gateway_app(gateway_settings(tmp_path), transports=transports)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway") as c,
    ):
        yield c, sent


async def ask(client: httpx.AsyncClient, headers: dict[str, str], query: str) -> dict[str, Any]:
    answer = await client.post("/graphql", json={"query": query}, headers=headers)
    body: dict[str, Any] = answer.json()
    return body


OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
async def test_an_id_that_would_change_the_upstream_path_is_refused_before_any_call(
    gateway: tuple[httpx.AsyncClient, Sent], hostile: str
) -> None:
    client, sent = gateway
    query = f'{{ participantReports(academyId: "{hostile}", year: 2024) {{ id }} }}'
    body = await ask(client, OPS, query)

    assert body["data"] is None or body["data"]["participantReports"] is None
    assert any("academyId" in e["message"] for e in body["errors"]), body
    assert not [r for _, r in sent.requests if "participant-reports" in r.url.path], [
        str(r.url) for _, r in sent.requests
    ]


async def test_every_upstream_request_carries_the_gateways_own_token(
    gateway: tuple[httpx.AsyncClient, Sent],
) -> None:
    client, sent = gateway
    partner = await ask(
        client,
        {"X-API-Key": PARTNER_KEY},
        "{ academies(first: 5) { nodes { id name } } activities(first: 5) { nodes { id } } }",
    )
    assert not partner.get("errors"), partner
    ops = await ask(
        client,
        OPS,
        "{ quarantine(first: 5) { total } calculationRuns(year: 2024) { id } "
        'recognitionReviewsDue(before: "2030-01-01") { academyId } }',
    )
    assert not ops.get("errors"), ops

    assert {name for name, _ in sent.requests} == set(UPSTREAMS)
    for _, request in sent.requests:
        assert request.headers.get("authorization") == f"Bearer {DEV_GATEWAY_TOKEN}", request.url
        assert "x-api-key" not in request.headers, request.url
        assert PARTNER_KEY not in str(request.url) and OPS_TOKEN not in str(request.url)
