"""Who may ask what: no credential, a partner key, ops tokens with and without the scope,
for every root field of the schema (a new field fails here until it is placed)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.config import Settings
from gateway.graphql_api.query import schema

PARTNER = {
    "activity": '{ activity(id: "act-1") { id } }',
    "academy": '{ academy(id: "acad-1") { id } }',
    "academies": "{ academies(first: 1) { nodes { id } } }",
    "activities": '{ activities(first: 2, filter: {province: "Antwerpen"}) { nodes { id } } }',
    "municipalities": "{ municipalities(year: 2024) { nisCode reached reachedBy { id } } }",
    "coverage": "{ coverage(year: 2024) { reached } }",
    "uncoveredMunicipalities": "{ uncoveredMunicipalities(year: 2024) { nisCode } }",
}
OPS = {  # field -> (query, scope)
    "recognitionReviewsDue": (
        '{ recognitionReviewsDue(before: "2026-01-01") { academyId } }',
        "reviews",
    ),
    "subsidies": ("{ subsidies(year: 2024) { paidEur } }", "subsidies"),
    "calculationRuns": ("{ calculationRuns { id } }", "subsidies"),
    "calculationDiff": ('{ calculationDiff(fromRun: "run-1", toRun: "run-2") }', "subsidies"),
    "whatIf": ("{ whatIf(year: 2024, parameters: {amount: 2}) }", "subsidies"),
    "quarantine": ("{ quarantine(first: 10) { total } }", "quarantine"),
    "unknownOrganizers": ("{ unknownOrganizers(first: 5) { organizerId } }", "quarantine"),
    "placeDisagreements": ("{ placeDisagreements(first: 5) { count } }", "quarantine"),
    "deadLetters": ("{ deadLetters(service: SUBSIDY, limit: 5) { offset } }", "quarantine"),
    "participantReports": ('{ participantReports(academyId: "acad-1") { id } }', "participants"),
    "reportingCompleteness": ("{ reportingCompleteness(year: 2024) { share } }", "participants"),
    "report": ("{ report(year: 2024) { year complete } }", "report"),
    "auditTrail": ('{ auditTrail(academyId: "acad-1") { id actor { subject } } }', "reviews"),
    "municipalityFollowUps": ("{ municipalityFollowUps(year: 2024) { nisCode } }", "report"),
}
NARROW_TOKEN = "ops-token-without-scopes"


def test_every_root_field_is_in_the_matrix() -> None:
    fields = set(schema._schema.query_type.fields) if schema._schema.query_type else set()
    assert fields == set(PARTNER) | set(OPS)


@pytest.fixture
def narrow(settings: Settings) -> Settings:
    settings.ops_token_scopes = {NARROW_TOKEN: ["nothing-useful"]}
    return settings


def credentials(partner_key: str, ops_token: str) -> dict[str, dict[str, str]]:
    return {
        "none": {},
        "partner": {"X-API-Key": partner_key},
        "ops": {"Authorization": f"Bearer {ops_token}"},
        "ops-without-scope": {"Authorization": f"Bearer {NARROW_TOKEN}"},
    }


async def run(gateway: httpx.AsyncClient, query: str, headers: dict[str, str]) -> tuple[int, Any]:
    response = await gateway.post("/graphql", json={"query": query}, headers=headers)
    return response.status_code, response.json()


@pytest.mark.usefixtures("narrow")
@pytest.mark.parametrize("field", sorted(PARTNER))
async def test_partner_fields(
    gateway: httpx.AsyncClient, partner_key: str, ops_token: str, field: str
) -> None:
    for who, headers in credentials(partner_key, ops_token).items():
        status, body = await run(gateway, PARTNER[field], headers)
        if who == "none":
            assert status == 401
        else:
            assert status == 200 and "errors" not in body, (who, body)
            assert body["data"][field] is not None


@pytest.mark.usefixtures("narrow")
@pytest.mark.parametrize("field", sorted(OPS))
async def test_ops_fields(
    gateway: httpx.AsyncClient, partner_key: str, ops_token: str, field: str
) -> None:
    query, scope = OPS[field]
    for who, headers in credentials(partner_key, ops_token).items():
        status, body = await run(gateway, query, headers)
        if who == "none":
            assert status == 401
        elif who == "ops":
            assert status == 200 and "errors" not in body, body
            assert body["data"][field] is not None
        else:
            assert body["data"] is None or body["data"][field] is None
            assert body["errors"][0]["message"] == f"needs an ops token with the {scope!r} scope"
