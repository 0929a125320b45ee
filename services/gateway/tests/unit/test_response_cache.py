"""The response cache of persisted partner queries (ADR 0016), over the in-process fakes.

The change feed is the conftest's `FakeFeed`: `feed.fresh` says whether it is current and
`feed.invalidation.changed(topic)` is an event arriving. The real feed on real Kafka with
the real services: tests/e2e/test_response_cache.py.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from gateway.adapters.key_store import KeyStore
from gateway.config import Settings
from gateway.domain.keys import new_key
from gateway.domain.response_cache import Entry, ResponseCache, cache_key, etag_of
from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.contracts.subsidy import REACH_TOPIC

PAGE = """query($first: Int!, $age: Int) { activities(first: $first, filter: {age: $age}) {
  nodes { id name academy { name } municipality { name } } } }"""
REACH = '{ academy(id: "acad-1") { name reach { year nisCode } } }'
OPS_ONLY = '{ reviews: recognitionReviewsDue(before: "2030-01-01") { academyId } }'
OTHER_KEY = "another-partner-key-for-tests"


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}
    }
    if variables is not None:
        body["variables"] = variables
    return body


async def register(gateway: httpx.AsyncClient, key: str, query: str) -> None:
    """APQ: the query text with its hash once, as a client does after a miss."""
    body = persisted(query) | {"query": query, "variables": {"first": 1}}
    response = await gateway.post("/graphql", json=body, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text


async def ask(
    gateway: httpx.AsyncClient,
    key: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    get: bool = False,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = persisted(query, variables)
    sent = {"X-API-Key": key, **(headers or {})}
    if get:
        params = {k: json.dumps(v) for k, v in body.items()}
        sent.setdefault("Accept", "application/json")  # not the development playground
        return await gateway.get("/graphql", params=params, headers=sent)
    return await gateway.post("/graphql", json=body, headers=sent)


@pytest.fixture
def two_partners(settings: Settings) -> Settings:
    settings.partner_api_keys = [*settings.partner_api_keys, SecretStr(OTHER_KEY)]
    return settings


async def test_a_second_ask_is_answered_from_the_cache(
    gateway: httpx.AsyncClient, partner_key: str, feed: Any, calls: Counter[str]
) -> None:
    feed.fresh = True
    await register(gateway, partner_key, PAGE)
    first = await ask(gateway, partner_key, PAGE, {"first": 5})
    assert first.headers["cache-status"] == "stem-gateway; fwd=miss"
    before = calls["activities"]
    second = await ask(gateway, partner_key, PAGE, {"first": 5})
    assert second.headers["cache-status"] == "stem-gateway; hit"
    assert calls["activities"] == before  # no upstream call
    assert second.json()["data"] == first.json()["data"]
    assert len(second.json()["data"]["activities"]["nodes"]) == 5
    # The cost is paid again, from the caller's budget, and said so.
    assert (
        second.json()["extensions"]["cost"]["requested"]
        == (first.json()["extensions"]["cost"]["requested"])
    )
    remaining = second.json()["extensions"]["cost"]["remaining"]
    assert remaining < first.json()["extensions"]["cost"]["remaining"]
    assert second.headers["x-ratelimit-remaining"] == str(remaining)
    # Variables are part of the key, in any order of their names.
    other = await ask(gateway, partner_key, PAGE, {"first": 5, "age": 7})
    assert other.headers["cache-status"] == "stem-gateway; fwd=miss"
    again = await ask(gateway, partner_key, PAGE, {"age": 7, "first": 5})
    assert again.headers["cache-status"] == "stem-gateway; hit"


async def test_an_activity_event_ends_the_answer(
    gateway: httpx.AsyncClient, partner_key: str, feed: Any, calls: Counter[str]
) -> None:
    feed.fresh = True
    await register(gateway, partner_key, PAGE)
    await ask(gateway, partner_key, PAGE, {"first": 5})
    feed.invalidation.changed(REACH_TOPIC)  # a calendar page asks no reach: still kept
    assert (await ask(gateway, partner_key, PAGE, {"first": 5})).headers["cache-status"] == (
        "stem-gateway; hit"
    )
    before = calls["activities"]
    feed.invalidation.changed(ACTIVITY_TOPIC)
    after = await ask(gateway, partner_key, PAGE, {"first": 5})
    assert after.headers["cache-status"] == "stem-gateway; fwd=miss"
    assert calls["activities"] == before + 1


async def test_a_reach_event_ends_answers_that_ask_reach(
    gateway: httpx.AsyncClient, partner_key: str, feed: Any
) -> None:
    feed.fresh = True
    await register(gateway, partner_key, REACH)
    await ask(gateway, partner_key, REACH)
    assert (await ask(gateway, partner_key, REACH)).headers["cache-status"] == "stem-gateway; hit"
    feed.invalidation.changed(REACH_TOPIC)
    assert (await ask(gateway, partner_key, REACH)).headers["cache-status"] == (
        "stem-gateway; fwd=miss"
    )


async def test_without_a_current_feed_nothing_is_served_from_the_cache(
    gateway: httpx.AsyncClient, partner_key: str, feed: Any, calls: Counter[str]
) -> None:
    feed.fresh = True
    await register(gateway, partner_key, PAGE)
    await ask(gateway, partner_key, PAGE, {"first": 5})
    feed.fresh = False  # the consumer died or fell behind
    before = calls["activities"]
    for _ in range(3):
        answer = await ask(gateway, partner_key, PAGE, {"first": 5})
        assert answer.headers["cache-status"] == "stem-gateway; fwd=bypass"
    assert calls["activities"] == before + 3


async def test_get_has_an_etag_and_answers_304(
    gateway: httpx.AsyncClient, partner_key: str, feed: Any
) -> None:
    feed.fresh = True
    await register(gateway, partner_key, PAGE)
    first = await ask(gateway, partner_key, PAGE, {"first": 3}, get=True)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    assert "X-API-Key" in first.headers["vary"]
    assert etag == etag_of(json.dumps(first.json()["data"], separators=(",", ":")).encode())
    hit = await ask(gateway, partner_key, PAGE, {"first": 3}, get=True)
    assert hit.headers["etag"] == etag and hit.headers["cache-status"] == "stem-gateway; hit"
    same = await ask(
        gateway, partner_key, PAGE, {"first": 3}, get=True, headers={"If-None-Match": etag}
    )
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag
    # A changed answer has another tag: the old one gets the whole answer.
    other = await ask(
        gateway, partner_key, PAGE, {"first": 4}, get=True, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200 and other.headers["etag"] != etag
    # Without the cache (feed not current) the validators still hold.
    feed.fresh = False
    bypass = await ask(
        gateway, partner_key, PAGE, {"first": 3}, get=True, headers={"If-None-Match": etag}
    )
    assert bypass.status_code == 304
    assert bypass.headers["cache-status"] == "stem-gateway; fwd=bypass"


async def test_ops_fields_are_never_cached(
    gateway: httpx.AsyncClient, ops_token: str, feed: Any, calls: Counter[str]
) -> None:
    feed.fresh = True
    headers = {"Authorization": f"Bearer {ops_token}"}
    body = persisted(OPS_ONLY) | {"query": OPS_ONLY}
    assert (await gateway.post("/graphql", json=body, headers=headers)).status_code == 200
    before = calls["registry"]
    for _ in range(2):
        answer = await gateway.post("/graphql", json=persisted(OPS_ONLY), headers=headers)
        assert answer.status_code == 200 and "cache-status" not in answer.headers
    assert calls["registry"] == before + 2


@pytest.mark.usefixtures("two_partners")
async def test_each_caller_pays_and_sees_its_own_budget(
    gateway: httpx.AsyncClient, partner_key: str, feed: Any
) -> None:
    feed.fresh = True
    await register(gateway, partner_key, PAGE)
    for _ in range(3):
        await ask(gateway, partner_key, PAGE, {"first": 5})
    spent = (await ask(gateway, partner_key, PAGE, {"first": 5})).json()["extensions"]["cost"]
    theirs = await ask(gateway, OTHER_KEY, PAGE, {"first": 5})
    assert theirs.headers["cache-status"] == "stem-gateway; hit"  # same scope: shared
    cost = theirs.json()["extensions"]["cost"]
    assert cost["remaining"] == cost["limit"] - cost["requested"] != spent["remaining"]
    assert theirs.headers["x-ratelimit-remaining"] == str(cost["remaining"])


@pytest.fixture
def first_party(settings: Settings) -> str:
    plain, record = new_key("VLAIO dashboard", datetime.now(UTC), safelist_only=True)
    KeyStore(settings.key_store_path).save([record])
    return plain


async def test_a_safelist_only_key_never_gets_an_answer_another_key_registered(
    gateway: httpx.AsyncClient, partner_key: str, first_party: str, feed: Any
) -> None:
    feed.fresh = True
    await register(gateway, partner_key, PAGE)
    assert (await ask(gateway, partner_key, PAGE, {"first": 5})).status_code == 200
    assert (await ask(gateway, partner_key, PAGE, {"first": 5})).headers["cache-status"] == (
        "stem-gateway; hit"
    )
    refused = await ask(gateway, first_party, PAGE, {"first": 5})
    answer = refused.json()
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"


async def test_unknown_and_revoked_keys_get_nothing_from_the_cache(
    gateway: httpx.AsyncClient, partner_key: str, feed: Any
) -> None:
    feed.fresh = True
    await register(gateway, partner_key, PAGE)
    await ask(gateway, partner_key, PAGE, {"first": 5})
    stranger = await ask(gateway, "not-a-key-of-anyone-at-all-000000", PAGE, {"first": 5})
    assert stranger.status_code == 401
    assert "data" not in stranger.text


# The cache itself, on a clock of our own.


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def entry(cache: ResponseCache, data: bytes, tags: set[str]) -> Entry:
    return Entry(data, etag_of(data), 10, cache.clock(), cache.snapshot(tags))


def test_an_event_during_the_run_keeps_the_answer_out() -> None:
    cache = ResponseCache(60, 1000, Clock(), [ACTIVITY_TOPIC, REACH_TOPIC])
    key = cache_key("h", None, {"first": 5}, "partner||0")
    began = entry(cache, b"{}", {ACTIVITY_TOPIC})  # epochs read before the query ran
    cache.invalidate([ACTIVITY_TOPIC])  # the event arrives while it runs
    assert not cache.put(key, began)
    assert cache.get(key) is None


def test_answers_die_of_age_and_the_oldest_make_room() -> None:
    clock = Clock()
    cache = ResponseCache(60, 10, clock, [ACTIVITY_TOPIC])
    first, second = cache_key("a", None, None, "s"), cache_key("b", None, None, "s")
    assert cache.put(first, entry(cache, b"123456", {ACTIVITY_TOPIC}))
    assert cache.put(second, entry(cache, b"123456", {ACTIVITY_TOPIC}))
    assert cache.get(first) is None and cache.get(second) is not None  # 12 > 10 bytes
    clock.now += 61
    assert cache.get(second) is None
    assert cache.size_bytes == 0


def test_variables_in_any_order_are_one_key() -> None:
    assert cache_key("h", "Op", {"a": 1, "b": [2]}, "s") == cache_key(
        "h", "Op", {"b": [2], "a": 1}, "s"
    )
    assert cache_key("h", None, None, "partner||0") != cache_key("h", None, None, "partner||1")
