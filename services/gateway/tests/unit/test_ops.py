"""The internal part through an ops token: reviews due, participant reports, completeness."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.config import Settings


async def ask(gateway: httpx.AsyncClient, token: str, query: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    response = await gateway.post("/graphql", json={"query": query}, headers=headers)
    body: dict[str, Any] = response.json()
    return body


async def test_reviews_due(gateway: httpx.AsyncClient, ops_token: str) -> None:
    query = """{ soon: recognitionReviewsDue(before: "2026-01-01") {
        academyId status decidedOn validFrom validUntil }
        none: recognitionReviewsDue(before: "2025-01-01") { academyId } }"""
    body = await ask(gateway, ops_token, query)
    assert body["data"]["soon"] == [
        {
            "academyId": "acad-1",
            "status": "recognised",
            "decidedOn": "2023-01-01",
            "validFrom": "2023-01-01",
            "validUntil": "2025-12-31",
        }
    ]
    assert body["data"]["none"] == []


async def test_participant_reports(gateway: httpx.AsyncClient, ops_token: str) -> None:
    query = """{ acad1: participantReports(academyId: "acad-1", year: 2024) {
        id year quarter participants under14 from14 reportedOn }
        other: participantReports(academyId: "acad-1", year: 2023) { id }
        unknown: participantReports(academyId: "nope") { id } }"""
    body = await ask(gateway, ops_token, query)
    assert body["data"]["acad1"] == [
        {
            "id": "r-1",
            "year": 2024,
            "quarter": None,
            "participants": 40,
            "under14": 30,
            "from14": 10,
            "reportedOn": "2025-01-15",
        }
    ]
    assert body["data"]["other"] == []
    assert body["data"]["unknown"] is None


async def test_reporting_completeness(gateway: httpx.AsyncClient, ops_token: str) -> None:
    body = await ask(
        gateway,
        ops_token,
        "{ reportingCompleteness(year: 2024) { year recognised reported share notReported } }",
    )
    assert body["data"]["reportingCompleteness"] == {
        "year": 2024,
        "recognised": 2,
        "reported": 1,
        "share": 0.5,
        "notReported": ["acad-2"],
    }


@pytest.fixture
def scoped(settings: Settings) -> Settings:
    settings.ops_token_scopes = {"reviews-only": ["reviews"]}
    return settings


@pytest.mark.usefixtures("scoped")
async def test_a_scope_opens_only_its_fields(gateway: httpx.AsyncClient) -> None:
    query = """{ recognitionReviewsDue(before: "2026-01-01") { academyId }
        reportingCompleteness(year: 2024) { share } }"""
    body = await ask(gateway, "reviews-only", query)
    assert body["data"]["recognitionReviewsDue"] == [{"academyId": "acad-1"}]
    assert body["data"]["reportingCompleteness"] is None
    assert body["errors"][0]["message"] == "needs an ops token with the 'participants' scope"
