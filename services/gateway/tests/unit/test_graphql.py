"""GraphQL queries through the gateway against in-process fakes of the three services."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import httpx
import pytest
import strawberry

from gateway.config import Settings
from gateway.graphql_api.execution import PlainLeafExecution


async def ask(gateway: httpx.AsyncClient, key: str, query: str) -> dict[str, Any]:
    response = await gateway.post("/graphql", json={"query": query}, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_activity_with_its_academy(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = """{ activity(id: "ACT-4") { id name organizerId themeIds status
        occurrences { start end } location { name postalCode locality nisCode }
        academy { id name } } }"""

    body = await ask(gateway, partner_key, query)

    assert "errors" not in body
    assert body["data"]["activity"] == {
        "id": "act-4",
        "name": "Robots bouwen 4",
        "organizerId": "org-1",
        "themeIds": ["theme-0"],
        "status": "AVAILABLE",
        "occurrences": [{"start": "2024-04-02T14:00:00+01:00", "end": None}],
        "location": {
            "name": "De Krook",
            "postalCode": "9000",
            "locality": "Gent",
            "nisCode": "44021",
        },
        "academy": {"id": "acad-1", "name": "[DEMO] Academy 1"},
    }


async def test_unknown_ids_are_null(gateway: httpx.AsyncClient, partner_key: str) -> None:
    body = await ask(
        gateway, partner_key, '{ activity(id: "nope") { id } academy(id: "x") { id } }'
    )
    assert body["data"] == {"activity": None, "academy": None}
    assert "errors" not in body


async def test_academy_with_reach(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = """{ academy(id: "acad-0") { id name demo
        all: reach { year nisCode activityIds } only2024: reach(year: 2024) { nisCode } } }"""

    academy = (await ask(gateway, partner_key, query))["data"]["academy"]

    assert academy["demo"] is True
    assert academy["all"] == [
        {"year": 2023, "nisCode": "44021", "activityIds": ["act-0"]},
        {"year": 2024, "nisCode": "11002", "activityIds": ["act-3"]},
    ]
    assert academy["only2024"] == [{"nisCode": "11002"}]


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}], ids=["missing", "unknown"])
async def test_a_partner_key_is_required(
    gateway: httpx.AsyncClient, calls: Counter[str], headers: dict[str, str]
) -> None:
    response = await gateway.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert response.status_code == 401
    assert not calls


async def test_graphiql_page_opens_in_development(gateway: httpx.AsyncClient) -> None:
    page = await gateway.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_an_upstream_down_fails_only_its_fields(
    gateway: httpx.AsyncClient, partner_key: str, down: set[str]
) -> None:
    down.add("registry")
    body = await ask(gateway, partner_key, '{ activity(id: "act-1") { name academy { name } } }')

    assert body["data"] == {"activity": {"name": "Robots bouwen 1", "academy": None}}
    assert [(e["path"], e["message"]) for e in body["errors"]] == [
        (["activity", "academy"], "the registry service is unavailable")
    ]


async def test_reach_down_still_serves_the_activity(
    gateway: httpx.AsyncClient, partner_key: str, down: set[str]
) -> None:
    down.add("subsidy")
    query = '{ activity(id: "act-0") { name } academy(id: "acad-0") { reach { year } } }'

    body = await ask(gateway, partner_key, query)

    # `reach` is a non-null list, so its error nulls the academy; the activity still comes.
    assert body["data"] == {"activity": {"name": "Robots bouwen 0"}, "academy": None}
    assert body["errors"][0]["path"] == ["academy", "reach"]


@pytest.mark.parametrize("n", [1, 7, 15])
async def test_upstream_calls_stay_bounded_whatever_the_size(
    gateway: httpx.AsyncClient, partner_key: str, calls: Counter[str], n: int
) -> None:
    fields = " ".join(
        f'a{i}: activity(id: "act-{i}") {{ name academy {{ name reach {{ year }} }} }}'
        for i in range(n)
    )

    body = await ask(gateway, partner_key, f"{{ {fields} }}")

    assert "errors" not in body
    assert len(body["data"]) == n
    assert calls == {"activities": 1, "registry": 1, "subsidy": 1}


async def test_municipalities_with_the_academies_that_reached_them(
    gateway: httpx.AsyncClient, partner_key: str, calls: Counter[str]
) -> None:
    query = "{ municipalities(year: 2024) { nisCode reachedBy { id name } } }"

    body = await ask(gateway, partner_key, query)

    assert "errors" not in body
    assert {m["nisCode"]: m["reachedBy"] for m in body["data"]["municipalities"]} == {
        "44021": [{"id": "acad-1", "name": "[DEMO] Academy 1"}],
        "11002": [
            {"id": "acad-0", "name": "[DEMO] Academy 0"},
            {"id": "acad-2", "name": "[DEMO] Academy 2"},
        ],
        "71022": [],
    }
    # the year's municipalities, the academies of every row in one batch, one reach call
    assert calls == {"registry": 2, "subsidy": 1}


async def test_readiness_follows_the_upstreams(gateway: httpx.AsyncClient, down: set[str]) -> None:
    assert (await gateway.get("/readyz")).status_code == 200
    down.add("activities")
    response = await gateway.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"registry": True, "activities": False, "subsidy": True}


@pytest.fixture
def impatient(settings: Settings) -> Settings:
    settings.upstream_timeout = 0.05
    return settings


@pytest.mark.usefixtures("impatient")
async def test_a_slow_upstream_times_out_only_its_fields(
    gateway: httpx.AsyncClient, partner_key: str, slow: set[str]
) -> None:
    slow.add("registry")
    body = await ask(gateway, partner_key, '{ activity(id: "act-1") { name academy { name } } }')

    assert body["data"] == {"activity": {"name": "Robots bouwen 1", "academy": None}}
    assert body["errors"][0]["message"] == "the registry service is unavailable"


# The plain-leaf execution (gateway.graphql_api.execution) must answer exactly what graphql-core
# answers, errors included: the same query on one small schema, both ways.
@strawberry.enum
class _Colour(Enum):
    RED = "red"


@strawberry.type
class _Row:
    id: strawberry.ID
    name: str
    note: str | None
    colour: _Colour
    at: datetime
    count: int

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


@strawberry.type
class _Rows:
    @strawberry.field
    def rows(self) -> list[_Row]:
        at = datetime(2026, 1, 2, 10, tzinfo=UTC)
        good = _Row(id=strawberry.ID("1"), name="a", note=None, colour=_Colour.RED, at=at, count=1)
        broken = _Row(
            id=strawberry.ID("2"),
            name=None,  # type: ignore[arg-type]  # a null for a non-null field
            note="n",
            colour="blue",  # type: ignore[arg-type]  # not an enum value
            at=at,
            count="many",  # type: ignore[arg-type]  # not an Int
        )
        return [good, broken, good]


@pytest.mark.parametrize(
    "query",
    [
        "{ rows { id name note colour at count } }",
        "{ rows { id note at } }",
        "{ rows { __typename id n: note shout(times: 2) } }",
        "query($x: Boolean!) { rows { id note @include(if: $x) at @skip(if: $x) } }",
        "{ rows { count } }",
        "{ rows { colour } }",
        "{ rows { name } }",
    ],
)
async def test_plain_leaf_execution_answers_as_graphql_core(query: str) -> None:
    plain = strawberry.Schema(query=_Rows, execution_context_class=PlainLeafExecution)
    core = strawberry.Schema(query=_Rows)

    answers = [await s.execute(query, variable_values={"x": True}) for s in (plain, core)]

    assert answers[0].data == answers[1].data
    assert [(e.message, e.path) for e in answers[0].errors or []] == [
        (e.message, e.path) for e in answers[1].errors or []
    ]
    assert answers[0].data is not None or answers[0].errors
