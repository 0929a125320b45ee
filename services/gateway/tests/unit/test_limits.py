"""Depth, alias, token, cost and body-size limits, the per-key budget, masked errors."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from gateway.adapters import activities
from gateway.config import Settings


async def post(gateway: httpx.AsyncClient, key: str, query: str) -> httpx.Response:
    return await gateway.post("/graphql", json={"query": query}, headers={"X-API-Key": key})


def messages(body: dict[str, Any]) -> list[str]:
    return [e["message"] for e in body.get("errors", [])]


@pytest.fixture
def shallow(settings: Settings) -> Settings:
    settings.max_depth = 2
    return settings


@pytest.mark.usefixtures("shallow")
async def test_a_query_deeper_than_the_limit_runs_nothing(
    gateway: httpx.AsyncClient, partner_key: str, calls: Counter[str]
) -> None:
    body = (
        await post(gateway, partner_key, '{ activity(id: "a") { academy { reach { year } } } }')
    ).json()
    assert body["data"] is None
    assert "exceeds maximum operation depth of 2" in messages(body)[0]
    assert not calls


async def test_too_many_aliases(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = "{ " + " ".join(f'a{i}: activity(id: "x") {{ id }}' for i in range(16)) + " }"
    body = (await post(gateway, partner_key, query)).json()
    assert messages(body) == ["16 aliases found. Allowed: 15"]


async def test_too_many_tokens(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = '{ activity(id: "x") { ' + "id " * 2000 + "} }"
    body = (await post(gateway, partner_key, query)).json()
    assert "more than 2000 tokens" in messages(body)[0]


async def test_the_cost_comes_back_in_the_extensions(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    response = await post(
        gateway, partner_key, '{ activity(id: "act-1") { name academy { name } } }'
    )
    cost = response.json()["extensions"]["cost"]
    assert cost == {"requested": 2, "remaining": 10000 - 2, "limit": 10000}
    assert response.headers["X-RateLimit-Remaining"] == str(10000 - 2)


@pytest.fixture
def small_budget(settings: Settings) -> Settings:
    settings.cost_budget, settings.cost_refill_per_second, settings.max_query_cost = 25, 0.5, 25
    settings.refused_query_cost = 10
    return settings


@pytest.mark.usefixtures("small_budget")
async def test_an_empty_budget_is_a_429_with_retry_after(
    gateway: httpx.AsyncClient, partner_key: str, calls: Counter[str]
) -> None:
    query = '{ academy(id: "acad-0") { reach { year } } }'  # 1 + 10 x 1 = 11 points
    assert (await post(gateway, partner_key, query)).status_code == 200
    assert (await post(gateway, partner_key, query)).status_code == 200
    calls.clear()

    refused = await post(gateway, partner_key, query)

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    body = refused.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert not calls


@pytest.mark.usefixtures("small_budget")
async def test_budgets_are_per_caller(
    gateway: httpx.AsyncClient, partner_key: str, ops_token: str
) -> None:
    query = '{ academy(id: "acad-0") { reach { year } } }'
    for _ in range(2):
        await post(gateway, partner_key, query)
    assert (await post(gateway, partner_key, query)).status_code == 429
    ops = {"Authorization": f"Bearer {ops_token}"}
    response = await gateway.post("/graphql", json={"query": query}, headers=ops)
    assert response.status_code == 200


@pytest.mark.usefixtures("small_budget")
async def test_a_query_over_the_cost_limit_is_refused(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    query = "{ " + " ".join(f'{a}: academy(id: "{a}") {{ reach {{ year }} }}' for a in "abc") + " }"
    body = (await post(gateway, partner_key, query)).json()
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 33}


@pytest.mark.usefixtures("small_budget")
@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ nosuchfield }", id="unknown-field"),
        pytest.param('{ activity(id: "a") { academy { reach { year } } }', id="syntax"),
        pytest.param(
            "{ "
            + " ".join(f'{a}: academy(id: "{a}") {{ reach {{ year }} }}' for a in "abc")
            + " }",
            id="too-costly",
        ),
    ],
)
async def test_a_refused_query_is_charged_to_the_budget(
    gateway: httpx.AsyncClient, partner_key: str, query: str
) -> None:
    """Refusals are no free way to probe: each pays GATEWAY_REFUSED_QUERY_COST (issue 17)."""
    for _ in range(2):  # 25 points: two refusals of 10 are paid, the third is not
        paid = await post(gateway, partner_key, query)
        assert paid.status_code == 200 and paid.json()["errors"], paid.text
        assert paid.json()["errors"][0].get("extensions", {}).get("code") != "RATE_LIMITED"
    refused = await post(gateway, partner_key, query)
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # The same key's valid query now waits too: the refusals emptied its bucket.
    valid = await post(gateway, partner_key, '{ academy(id: "acad-0") { reach { year } } }')
    assert valid.status_code == 429


@pytest.fixture
def three_replicas(settings: Settings) -> Settings:
    settings.replicas, settings.cost_budget, settings.cost_refill_per_second = 3, 30000, 90.0
    return settings


@pytest.mark.usefixtures("three_replicas")
async def test_each_replica_holds_its_share_of_the_budget(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    response = await post(gateway, partner_key, '{ activity(id: "act-1") { name } }')
    assert response.json()["extensions"]["cost"] == {
        "requested": 1,
        "remaining": 10000 - 1,
        "limit": 10000,
    }


def test_a_budget_too_small_for_its_share_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="raise the budget to at least 30000"):
        Settings(environment="development", replicas=6, cost_budget=10000, max_query_cost=5000)
    shared = Settings(environment="development", replicas=6, cost_budget=30000)
    assert shared.cost_budget // shared.replicas == shared.max_query_cost


async def test_a_large_body_is_a_413(gateway: httpx.AsyncClient, partner_key: str) -> None:
    padding = " " * 70_000
    response = await post(gateway, partner_key, "{ __typename }" + padding)
    assert response.status_code == 413


async def test_unexpected_errors_are_masked(
    gateway: httpx.AsyncClient,
    partner_key: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*_: object) -> object:
        raise RuntimeError("password=hunter2 at 10.0.0.7")

    monkeypatch.setattr(activities, "activities_by_id", broken)
    body = (await post(gateway, partner_key, '{ activity(id: "act-1") { name } }')).json()
    assert messages(body) == ["internal error"]
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "gateway.graphql"]
    assert logged == [("ERROR", "graphql resolver failed at ['activity']")]
    assert "hunter2" in caplog.text  # the operator sees the cause; the partner does not


async def test_client_mistakes_are_logged_as_info(
    gateway: httpx.AsyncClient, partner_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    await post(gateway, partner_key, "{ nope }")
    levels = {r.levelname for r in caplog.records if r.name.startswith(("gateway", "strawberry"))}
    assert levels == {"INFO"}
