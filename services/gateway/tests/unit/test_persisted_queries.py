"""Automatic persisted queries (Apollo protocol) and the safelist of first-party operations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.adapters.key_store import KeyStore
from gateway.config import Settings
from gateway.domain.keys import new_key

QUERY = '{ activity(id: "act-2") { name } }'
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def persisted(sha: str, query: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
    if query is not None:
        body["query"] = query
    return body


async def send(gateway: httpx.AsyncClient, key: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await gateway.post("/graphql", json=body, headers={"X-API-Key": key})
    answer: dict[str, Any] = response.json()
    return answer


async def test_apq_miss_then_register_then_hit(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    miss = await send(gateway, partner_key, persisted(HASH))
    assert miss["errors"][0]["message"] == "PersistedQueryNotFound"
    assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    registered = await send(gateway, partner_key, persisted(HASH, QUERY))
    assert registered["data"] == {"activity": {"name": "Robots bouwen 2"}}

    hit = await send(gateway, partner_key, persisted(HASH))
    assert hit["data"] == {"activity": {"name": "Robots bouwen 2"}}


async def test_apq_by_get(gateway: httpx.AsyncClient, partner_key: str) -> None:
    await send(gateway, partner_key, persisted(HASH, QUERY))
    extensions = json.dumps(persisted(HASH)["extensions"])
    response = await gateway.get(
        "/graphql",
        params={"extensions": extensions},
        headers={"X-API-Key": partner_key, "Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"activity": {"name": "Robots bouwen 2"}}


async def test_a_hash_that_does_not_match_is_refused(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    answer = await send(gateway, partner_key, persisted("0" * 64, QUERY))
    assert answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH"


@pytest.fixture
def safelist(settings: Settings, tmp_path: Path) -> tuple[Settings, str]:
    """A manifest with QUERY, and a first-party key that may run only safelisted operations."""
    manifest = tmp_path / "operations.json"
    operation = {"id": HASH, "name": "Activity", "type": "query", "body": QUERY}
    manifest.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [operation]}
        )
    )
    settings.safelist_file = manifest
    plain, record = new_key("VLAIO dashboard", record_time(), safelist_only=True)
    KeyStore(settings.key_store_path).save([record])
    return settings, plain


def record_time() -> Any:
    from datetime import UTC, datetime

    return datetime(2025, 1, 1, tzinfo=UTC)


async def test_a_safelist_only_key_runs_safelisted_operations_only(
    safelist: tuple[Settings, str], gateway: httpx.AsyncClient
) -> None:
    _, first_party = safelist
    by_hash = await send(gateway, first_party, persisted(HASH))
    assert by_hash["data"] == {"activity": {"name": "Robots bouwen 2"}}
    by_text = await send(gateway, first_party, {"query": QUERY})
    assert by_text["data"] == {"activity": {"name": "Robots bouwen 2"}}

    other = await send(gateway, first_party, {"query": '{ activity(id: "act-3") { name } }'})
    assert other["data"] is None
    assert other["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"


@pytest.mark.usefixtures("safelist")
async def test_partners_may_still_send_any_query(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    other = await send(gateway, partner_key, {"query": '{ activity(id: "act-3") { name } }'})
    assert other["data"] == {"activity": {"name": "Robots bouwen 3"}}


def test_a_manifest_with_a_wrong_id_is_refused(tmp_path: Path) -> None:
    from gateway.adapters.persisted import load_safelist

    manifest = tmp_path / "bad.json"
    manifest.write_text(json.dumps({"operations": [{"id": "0" * 64, "name": "X", "body": QUERY}]}))
    with pytest.raises(ValueError, match="not its sha256"):
        load_safelist(manifest)
