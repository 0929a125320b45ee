"""The drop-in calendar's script and its persisted queries (the browser test:
tests/browser/test_stem_kalender.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from graphql import parse, validate

from gateway.adapters.persisted import sha256
from gateway.embed import CALENDAR, MUNICIPALITIES, OPERATIONS
from gateway.graphql_api.query import schema
from gateway.schema.cacheability import cache_tags


def test_the_operations_are_valid_and_cacheable() -> None:
    for query in OPERATIONS.values():
        assert validate(schema._schema, parse(query)) == []
        assert cache_tags(schema._schema, query) is not None


async def test_the_script_is_served_with_the_hashes(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/embed/stem-kalender.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "public, max-age=" in response.headers["cache-control"]
    assert sha256(CALENDAR) in response.text and sha256(MUNICIPALITIES) in response.text
    assert "__CALENDAR_HASH__" not in response.text
    again = await gateway.get(
        "/embed/stem-kalender.js", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_a_partner_runs_them_by_hash_without_registering(
    gateway: httpx.AsyncClient, partner_key: str, feed: Any
) -> None:
    feed.fresh = True
    variables = {"first": 3, "after": None, "filter": {"province": "Oost-Vlaanderen", "age": 8}}
    params = {
        "extensions": json.dumps(
            {"persistedQuery": {"version": 1, "sha256Hash": sha256(CALENDAR)}}
        ),
        "variables": json.dumps(variables),
    }
    headers = {"X-API-Key": partner_key, "Accept": "application/json"}
    first = await gateway.get("/graphql", params=params, headers=headers)
    assert first.status_code == 200, first.text
    nodes = first.json()["data"]["activities"]["nodes"]
    assert nodes and all(n["municipality"]["province"] == "Oost-Vlaanderen" for n in nodes)
    second = await gateway.get("/graphql", params=params, headers=headers)
    assert second.headers["cache-status"] == "stem-gateway; hit"
