"""The STEM-kalender query: every filter, paging, and upstream calls bounded by page size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from gateway.adapters.reference import AcademyCache
from gateway.adapters.registry import AcademyRead
from gateway.adapters.upstreams import UpstreamError

NODES = "nodes { id } pageInfo { hasNextPage endCursor }"


async def ask(
    gateway: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = {"query": query, "variables": variables or {}}
    response = await gateway.post("/graphql", json=body, headers={"X-API-Key": key})
    answer: dict[str, Any] = response.json()
    assert "errors" not in answer, answer
    return answer


async def ids(gateway: httpx.AsyncClient, key: str, filter: dict[str, Any]) -> list[str]:
    query = "query($f: ActivityFilter) { activities(first: 100, filter: $f) { nodes { id } } }"
    body = await ask(gateway, key, query, {"f": filter})
    return [node["id"] for node in body["data"]["activities"]["nodes"]]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"from": "2024-05-01T00:00:00+02:00"}, lambda n: n % 3 == 2),
        ({"to": "2024-03-31T00:00:00+01:00"}, lambda n: n % 3 == 0),
        ({"province": "Antwerpen"}, lambda n: n % 2 == 1),
        ({"nisCodes": ["44021"]}, lambda n: n % 2 == 0),
        ({"academyId": "acad-1"}, lambda n: n % 3 == 1),
        ({"themeIds": ["theme-1", "theme-2"]}, lambda n: n % 4 in (1, 2)),
        ({"age": 15}, lambda n: n % 2 == 1),
        ({"text": "bouwen 11"}, lambda n: str(n).startswith("11")),
        ({"age": 8, "academyId": "acad-0"}, lambda n: n % 6 == 0),
    ],
    ids=["from", "to", "province", "nis", "academy", "themes", "age", "text", "combined"],
)
async def test_every_filter(
    gateway: httpx.AsyncClient, partner_key: str, filter: dict[str, Any], expected: Any
) -> None:
    found = await ids(gateway, partner_key, filter)
    wanted = {f"act-{n}" for n in range(120) if expected(n)}
    assert len(found) == len(wanted) and set(found) == wanted


async def test_pages_follow_each_other(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = f"query($after: String) {{ activities(first: 50, after: $after) {{ {NODES} }} }}"
    seen: list[str] = []
    after = None
    for _ in range(3):
        page = (await ask(gateway, partner_key, query, {"after": after}))["data"]["activities"]
        seen += [n["id"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 120
    assert after is None


CALENDAR_PAGE = """query($first: Int!) { activities(first: $first) { nodes { id name
    occurrences { start end } location { name locality }
    municipality { nisCode name province } academy { id name } } } }"""


@pytest.mark.parametrize("first", [1, 10, 50, 100])
async def test_a_calendar_page_costs_the_same_calls_whatever_its_size(
    gateway: httpx.AsyncClient, partner_key: str, calls: Counter[str], first: int
) -> None:
    body = await ask(gateway, partner_key, CALENDAR_PAGE, {"first": first})
    assert "extensions" in body
    nodes = body["data"]["activities"]["nodes"]
    assert len(nodes) == first
    assert all(n["academy"] and n["municipality"] for n in nodes)
    # one listing; academies in one batch; municipalities once per year on the page
    assert calls == {"activities": 1, "registry": 2}
    assert body["extensions"]["cost"]["requested"] == first * 7 + 1


async def test_a_next_page_reuses_the_academies_and_municipalities_found(
    gateway: httpx.AsyncClient, partner_key: str, calls: Counter[str]
) -> None:
    first = await ask(gateway, partner_key, CALENDAR_PAGE, {"first": 50})
    calls.clear()

    again = await ask(gateway, partner_key, CALENDAR_PAGE, {"first": 50})

    assert again["data"] == first["data"]
    assert calls == {"activities": 1}  # the registry's answers were kept (reference data)


async def test_kept_academies_expire_and_unknown_ids_or_failures_are_not_kept() -> None:
    now = [0.0]
    asked: list[list[str]] = []
    failing = [False]

    async def fetch(ids: Sequence[str]) -> dict[str, AcademyRead]:
        asked.append(list(ids))
        if failing[0]:
            raise UpstreamError("registry")
        return {i: AcademyRead(id=i, name=f"Academy {i}") for i in ids if i != "unknown"}

    cache = AcademyCache(ttl=60, clock=lambda: now[0])

    assert set(await cache.many(["a", "unknown"], fetch)) == {"a"}
    assert set(await cache.many(["a", "b", "unknown"], fetch)) == {"a", "b"}
    assert asked == [["a", "unknown"], ["b", "unknown"]]  # only what was not kept
    now[0] = 61.0
    failing[0] = True
    with pytest.raises(UpstreamError):
        await cache.many(["a"], fetch)  # expired: asked again, and the failure is raised
    failing[0] = False
    assert set(await cache.many(["a"], fetch)) == {"a"}
    assert asked[-1] == ["a"]


async def test_an_academy_with_its_activities(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = """{ academy(id: "acad-2") { name
        activities(first: 3) { nodes { id } pageInfo { hasNextPage } } } }"""
    body = await ask(gateway, partner_key, query)
    page = body["data"]["academy"]["activities"]
    assert [n["id"] for n in page["nodes"]] == ["act-11", "act-14", "act-17"] or len(
        page["nodes"]
    ) == 3
    assert page["pageInfo"]["hasNextPage"] is True


async def test_activity_fields(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = '{ activity(id: "act-3") { ageMin ageMax municipality { name province } } }'
    body = await ask(gateway, partner_key, query)
    assert body["data"]["activity"] == {
        "ageMin": 12,
        "ageMax": 18,
        "municipality": {"name": "Antwerpen", "province": "Antwerpen"},
    }
