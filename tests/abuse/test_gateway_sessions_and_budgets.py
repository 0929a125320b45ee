"""The gateway's own doors (issue 17): the /ops sign-in and the cost budget, attacked.

- /ops: the cookie holds a random session id, never the ops token; sign-out revokes the
  session (a copied cookie is refused after it); failed sign-ins are throttled per address
  and in all (429 + Retry-After, the right token included); a sign-in body over 4 KiB is
  refused (413) from its Content-Length or while streaming, without reading it.
- Budgets across replicas: with `GATEWAY_REPLICAS` each replica allows its share; a query
  that fails validation is charged, and a flood of them ends in 429.

Each test runs its own gateway app (its own sessions, throttle and buckets) in front of the
suite's upstream apps, with the shipped limits unless it says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.entrypoints.api import create_app
from tests.abuse.conftest import OPS_TOKEN, PARTNER_KEY, UPSTREAMS, Platform, gateway_settings

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

FORM = {"content-type": "application/x-www-form-urlencoded"}


@asynccontextmanager
async def gateway(
    platform: Platform, tmp_path: Path, **settings: Any
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """The gateway app with `settings` over the suite's; `client(address)` speaks from it."""
    shipped = gateway_settings(tmp_path).model_copy(update=settings)
    transports = {name: httpx.ASGITransport(platform.apps[name]) for name in UPSTREAMS}
    app = create_app(shipped, transports=transports)
    clients: list[httpx.AsyncClient] = []

    def client(address: str = "198.51.100.7") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app, client=(address, 40000))
        made = httpx.AsyncClient(transport=transport, base_url="http://gateway", timeout=60)
        clients.append(made)
        return made

    async with app.router.lifespan_context(app):
        try:
            yield client
        finally:
            for made in clients:
                await made.aclose()


def _cookie(answer: httpx.Response) -> str:
    found = re.match(r"stem_ops_session=([^;]+);", answer.headers.get("set-cookie", ""))
    assert found is not None, (answer.status_code, answer.headers)
    return found.group(1)


async def test_the_ops_cookie_is_a_revocable_session_not_the_token(
    platform: Platform, tmp_path: Path
) -> None:
    async with gateway(platform, tmp_path) as client:
        browser = client()
        signed_in = await browser.post("/ops/login", data={"token": OPS_TOKEN})
        session_id = _cookie(signed_in)
        assert OPS_TOKEN not in signed_in.headers["set-cookie"]
        assert OPS_TOKEN not in session_id

        thief = client("203.0.113.9")  # the same cookie, copied elsewhere
        copy = {"cookie": f"stem_ops_session={session_id}"}
        assert (await thief.get("/ops/follow-up?year=2024", headers=copy)).status_code == 200
        assert (await browser.post("/ops/logout")).status_code == 303
        after = await thief.get("/ops/follow-up?year=2024", headers=copy)
        assert (after.status_code, after.headers["location"]) == (303, "/ops/login")
        # The old cookie's content (the token itself) opens nothing either.
        token_cookie = {"cookie": f"stem_ops_session={OPS_TOKEN}; stem_ops_token={OPS_TOKEN}"}
        assert (await thief.get("/ops", headers=token_cookie)).status_code == 303


async def test_failed_sign_ins_are_throttled_per_address_and_in_all(
    platform: Platform, tmp_path: Path
) -> None:
    async with gateway(
        platform, tmp_path, ops_signin_failures_per_address=5, ops_signin_failures_in_all=12
    ) as client:
        guesser = client("198.51.100.1")
        for n in range(5):
            wrong = await guesser.post("/ops/login", data={"token": f"guess-{n}"})
            assert wrong.status_code == 401
        blocked = await guesser.post("/ops/login", data={"token": OPS_TOKEN})
        assert blocked.status_code == 429 and "set-cookie" not in blocked.headers
        assert 1 <= int(blocked.headers["retry-after"]) <= 900

        neighbour = client("198.51.100.2")  # its own count: still let in
        assert (await neighbour.post("/ops/login", data={"token": OPS_TOKEN})).status_code == 303
        for n in range(7):  # the twelfth failure in all, over several addresses
            address = f"192.0.2.{n // 4 + 1}"
            assert (
                await client(address).post("/ops/login", data={"token": "x"})
            ).status_code == 401
        fresh = await client("192.0.2.200").post("/ops/login", data={"token": OPS_TOKEN})
        assert fresh.status_code == 429


async def test_an_oversized_sign_in_body_is_refused_before_it_is_read(
    platform: Platform, tmp_path: Path
) -> None:
    async with gateway(platform, tmp_path) as client:
        browser = client()
        declared = await browser.post("/ops/login", content=b"token=" + b"a" * 5000, headers=FORM)
        assert declared.status_code == 413
        offered = 0

        async def stream() -> AsyncIterator[bytes]:
            nonlocal offered
            while offered < 64 * 1024 * 1024:
                offered += 1024
                yield b"a" * 1024

        streamed = await browser.post("/ops/login", content=stream(), headers=FORM)
        assert streamed.status_code == 413
        assert offered <= 4096 + 2 * 1024


async def test_each_replica_allows_its_share_of_the_budget(
    platform: Platform, tmp_path: Path
) -> None:
    async with gateway(
        platform, tmp_path, replicas=4, cost_budget=20_000, cost_refill_per_second=100.0
    ) as client:
        partner = client()
        answer = await partner.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"X-API-Key": PARTNER_KEY},
        )
        assert answer.status_code == 200
        assert answer.json()["extensions"]["cost"]["limit"] == 5_000
        assert answer.headers["X-RateLimit-Limit"] == "5000"


async def test_queries_that_fail_validation_are_charged_until_429(
    platform: Platform, tmp_path: Path
) -> None:
    async with gateway(
        platform, tmp_path, cost_budget=5_000, cost_refill_per_second=0.001
    ) as client:
        partner = client()
        codes = []
        for _ in range(101):  # 5000 points, 50 a refusal: the 101st cannot be paid
            answer = await partner.post(
                "/graphql",
                json={"query": "{ noSuchField }"},
                headers={"X-API-Key": PARTNER_KEY},
            )
            codes.append(answer.status_code)
        assert codes[:100] == [200] * 100
        assert codes[100] == 429
        assert answer.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
