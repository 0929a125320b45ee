"""Partner list queries: academies (cursor connection, filters), municipalities of a year."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest


async def ask(gateway: httpx.AsyncClient, key: str, query: str) -> dict[str, Any]:
    response = await gateway.post("/graphql", json={"query": query}, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


PAGE = """query($after: String) { academies(first: 2, after: $after) {
    edges { cursor node { id name } } nodes { id } pageInfo { hasNextPage endCursor } } }"""


async def page(gateway: httpx.AsyncClient, key: str, after: str | None) -> dict[str, Any]:
    response = await gateway.post(
        "/graphql", json={"query": PAGE, "variables": {"after": after}}, headers={"X-API-Key": key}
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body
    return dict(body["data"]["academies"])


async def test_academies_page_by_page(gateway: httpx.AsyncClient, partner_key: str) -> None:
    first = await page(gateway, partner_key, None)
    assert [n["id"] for n in first["nodes"]] == ["acad-0", "acad-1"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["edges"][-1]["cursor"] == first["pageInfo"]["endCursor"]

    second = await page(gateway, partner_key, first["pageInfo"]["endCursor"])
    assert [n["id"] for n in second["nodes"]] == ["acad-2"]
    assert second["pageInfo"] == {"hasNextPage": False, "endCursor": None}


async def test_academies_filter_by_name(gateway: httpx.AsyncClient, partner_key: str) -> None:
    body = await ask(
        gateway,
        partner_key,
        '{ academies(first: 10, nameContains: "Academy 1") { nodes { name demo } } }',
    )
    assert body["data"]["academies"]["nodes"] == [{"name": "[DEMO] Academy 1", "demo": True}]


@pytest.mark.parametrize("first", [0, 101])
async def test_first_is_bounded(gateway: httpx.AsyncClient, partner_key: str, first: int) -> None:
    body = await ask(gateway, partner_key, f"{{ academies(first: {first}) {{ nodes {{ id }} }} }}")
    assert body["errors"][0]["extensions"]["code"] == "BAD_PAGE_SIZE"


async def test_first_is_required(gateway: httpx.AsyncClient, partner_key: str) -> None:
    body = await ask(gateway, partner_key, "{ academies { nodes { id } } }")
    assert "academies(first:)' of type 'Int!' is required" in body["errors"][0]["message"]


async def test_a_page_of_academies_with_reach_costs_two_calls(
    gateway: httpx.AsyncClient, partner_key: str, calls: Counter[str]
) -> None:
    query = "{ academies(first: 3) { nodes { name reach { year } } } }"
    body = await ask(gateway, partner_key, query)
    assert len(body["data"]["academies"]["nodes"]) == 3
    assert calls == {"registry": 1, "subsidy": 1}


async def test_municipalities_of_a_year(gateway: httpx.AsyncClient, partner_key: str) -> None:
    body = await ask(
        gateway,
        partner_key,
        """{ all: municipalities(year: 2024) { nisCode }
        limburg: municipalities(year: 2024, province: "Limburg") { nisCode name province reached }
        reached: municipalities(year: 2024) { reached } }""",
    )
    assert len(body["data"]["all"]) == 3
    assert body["data"]["limburg"] == [
        {"nisCode": "71022", "name": "Hasselt", "province": "Limburg", "reached": False}
    ]
    assert [m["reached"] for m in body["data"]["reached"]] == [True, True, False]


async def test_a_list_whose_upstream_is_down_is_null_with_an_error(
    gateway: httpx.AsyncClient, partner_key: str, down: set[str]
) -> None:
    down.add("registry")
    body = await ask(
        gateway,
        partner_key,
        '{ municipalities(year: 2024) { nisCode } activity(id: "act-1") { name } }',
    )
    assert body["data"] == {"municipalities": None, "activity": {"name": "Robots bouwen 1"}}
    assert body["errors"][0]["message"] == "the registry service is unavailable"
