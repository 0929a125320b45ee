"""What-if refuses parameter names that do not exist, listing them (issue 15): a typo must
not silently give the unchanged result."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from stemkit.settings import DEV_GATEWAY_TOKEN
from subsidy.config import Settings
from subsidy.entrypoints.api import create_app

READER = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}


async def _client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=database_url, environment="test"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://subsidy", headers=READER
        ) as c,
    ):
        yield c


async def test_what_if_with_unknown_names_is_refused_listing_them(database_url: str) -> None:
    changed = {
        "stem/calls/uitrollers_2023/amount_per_postcode_eur": 2000,
        "stem/calls/uitrollers_2023/amount_per_postcod_eur": 9,
        "budget": 1,
    }
    body = {"year": 2023, "call_ids": ["uitrollers_2023"], "parameters": changed}
    async for client in _client(database_url):
        refused = await client.post("/what-if", json=body)
        assert refused.status_code == 422
        detail = refused.json()["detail"]
        assert (
            "no such parameter(s): budget, stem/calls/uitrollers_2023/amount_per_postcod_eur"
            in detail
        )
        assert "amount_per_postcode_eur" not in detail.replace("amount_per_postcod_eur", "")
        known = {"stem/calls/uitrollers_2023/amount_per_postcode_eur": 2000}
        assert (
            await client.post("/what-if", json={**body, "parameters": known})
        ).status_code == 200
