"""Coverage and uncovered municipalities (partners); subsidies, runs, diffs (ops)."""

from __future__ import annotations

from typing import Any

import httpx


async def ask(gateway: httpx.AsyncClient, headers: dict[str, str], query: str) -> dict[str, Any]:
    response = await gateway.post("/graphql", json={"query": query}, headers=headers)
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


async def test_coverage_per_province(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = """{ coverage(year: 2024) { year reached total
        provinces { province reached total reachedNisCodes notReachedNisCodes } } }"""
    body = await ask(gateway, {"X-API-Key": partner_key}, query)
    assert body["data"]["coverage"] == {
        "year": 2024,
        "reached": 2,
        "total": 3,
        "provinces": [
            {
                "province": "Oost-Vlaanderen",
                "reached": 1,
                "total": 1,
                "reachedNisCodes": ["44021"],
                "notReachedNisCodes": [],
            },
            {
                "province": "Antwerpen",
                "reached": 1,
                "total": 1,
                "reachedNisCodes": ["11002"],
                "notReachedNisCodes": [],
            },
            {
                "province": "Limburg",
                "reached": 0,
                "total": 1,
                "reachedNisCodes": [],
                "notReachedNisCodes": ["71022"],
            },
        ],
    }


async def test_uncovered_municipalities(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = """{ limburg: uncoveredMunicipalities(year: 2024, province: "Limburg") {
        nisCode name province nearestAcademies { academyId name km } }
        antwerpen: uncoveredMunicipalities(year: 2024, province: "Antwerpen") { nisCode } }"""
    body = await ask(gateway, {"X-API-Key": partner_key}, query)
    assert body["data"]["limburg"] == [
        {
            "nisCode": "71022",
            "name": "Hasselt",
            "province": "Limburg",
            "nearestAcademies": [{"academyId": "acad-0", "name": "A0", "km": 12.5}],
        }
    ]
    assert body["data"]["antwerpen"] == []


async def test_subsidies_with_their_explanation(gateway: httpx.AsyncClient, ops_token: str) -> None:
    query = """{ y2024: subsidies(year: 2024, academyId: "acad-0") {
        runId academyId role callId paidEur illustrative explanation }
        y2023: subsidies(year: 2023) { runId } }"""
    body = await ask(gateway, {"Authorization": f"Bearer {ops_token}"}, query)
    assert body["data"]["y2024"] == [
        {
            "runId": "run-2",
            "academyId": "acad-0",
            "role": "uitroller",
            "callId": "call-1",
            "paidEur": "1500.00",
            "illustrative": True,
            "explanation": {
                "run_id": "run-2",
                "academy_id": "acad-0",
                "total_eur": "1500.00",
                "lines": [],
            },
        }
    ]
    assert body["data"]["y2023"] is None  # no run for that year yet


async def test_runs_and_their_diff(gateway: httpx.AsyncClient, ops_token: str) -> None:
    query = """{ calculationRuns(year: 2024) { id year createdAt trigger rulesVersion }
        diff: calculationDiff(fromRun: "run-1", toRun: "run-2")
        none: calculationDiff(fromRun: "nope", toRun: "run-2") }"""
    body = await ask(gateway, {"Authorization": f"Bearer {ops_token}"}, query)
    assert body["data"]["calculationRuns"] == [
        {
            "id": "run-1",
            "year": 2024,
            "createdAt": "2025-01-01T00:00:00+00:00",
            "trigger": "ops",
            "rulesVersion": "2024.1",
        }
    ]
    assert body["data"]["diff"]["from_run"] == "run-1"
    assert body["data"]["none"] is None


async def test_what_if_and_the_quarantine(gateway: httpx.AsyncClient, ops_token: str) -> None:
    query = """{ whatIf(year: 2024, parameters: {euro_per_municipality: 600})
        quarantine(first: 10) { total nextAfter items { webhookId source reason attempts } } }"""
    body = await ask(gateway, {"Authorization": f"Bearer {ops_token}"}, query)
    assert body["data"]["whatIf"] == {
        "year": 2024,
        "used": {"euro_per_municipality": 600},
        "lines": [],
    }
    assert body["data"]["quarantine"] == {
        "total": 1,
        "nextAfter": None,
        "items": [
            {"webhookId": "w-1", "source": "webhook", "reason": "no location", "attempts": 3}
        ],
    }
