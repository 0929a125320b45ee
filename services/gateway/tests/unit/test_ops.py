"""The internal part through an ops token: reviews due, participant reports, completeness,
dead letters."""

from __future__ import annotations

from collections import Counter
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


@pytest.mark.parametrize("service", ["activities", "subsidy"])
async def test_dead_letters_of_a_service_newest_first(
    gateway: httpx.AsyncClient, ops_token: str, calls: Counter[str], service: str
) -> None:
    query = f"""{{ deadLetters(service: {service.upper()}, limit: 5) {{
        topic partition offset writtenAt consumer attempts reasonType reason eventId
        originalTopic originalPartition originalOffset document }} }}"""

    body = await ask(gateway, ops_token, query)

    assert "errors" not in body, body
    first, odd = body["data"]["deadLetters"]
    assert {k: v for k, v in first.items() if k != "document"} == {
        "topic": "stem.x.dlq.v1",
        "partition": 0,
        "offset": "7",
        "writtenAt": "2026-01-02T00:00:00+00:00",
        "consumer": service,
        "attempts": 5,
        "reasonType": "ValueError",
        "reason": "no such municipality",
        "eventId": "ev-1",
        "originalTopic": "stem.registry.academy.v1",
        "originalPartition": 2,
        "originalOffset": "41",
    }
    assert first["document"]["original"]["key"] == {"text": "acad-1"}
    assert odd["document"] == {"unparseable": "not json"}
    assert (odd["consumer"], odd["reason"], odd["writtenAt"]) == (
        None,
        None,
        "2026-01-01T00:00:00+00:00",
    )
    assert calls == {service: 1}


async def test_dead_letters_limit_is_bounded(gateway: httpx.AsyncClient, ops_token: str) -> None:
    body = await ask(gateway, ops_token, "{ deadLetters(service: SUBSIDY, limit: 101) { offset } }")
    assert body["data"]["deadLetters"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_PAGE_SIZE"
