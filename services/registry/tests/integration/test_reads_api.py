"""The registry's reads on PostgreSQL: academies for the gateway, municipalities of a year."""

from __future__ import annotations

import json

import httpx
import pytest

from registry.entrypoints.bulk import openapi_document

pytestmark = pytest.mark.postgres

ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}


async def register(api: httpx.AsyncClient, **body: object) -> dict[str, object]:
    response = await api.post("/academies", json=body, headers=OPS)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def test_reading_academies_one_and_in_batches(api: httpx.AsyncClient) -> None:
    leuven = await register(api, name="Codeclub Leuven", uit_organizer_ids=[ORGANIZER])
    gent = await register(api, name="Robotclub Gent", home_nis_code="44021")
    missing = "00000000-0000-4000-8000-000000000000"

    assert (await api.get(f"/academies/{missing}")).status_code == 404
    batch = await api.get("/academies", params={"ids": f"{gent['id']},{missing},{leuven['id']}"})
    assert batch.status_code == 200
    assert [a["id"] for a in batch.json()] == [gent["id"], leuven["id"]]
    everything = await api.get("/academies")
    assert [a["name"] for a in everything.json()] == ["Codeclub Leuven", "Robotclub Gent"]
    too_many = ",".join([missing] * 101)
    assert (await api.get("/academies", params={"ids": too_many})).status_code == 422


async def test_municipalities_of_a_year(api: httpx.AsyncClient) -> None:
    in_2024 = (await api.get("/municipalities", params={"year": 2024})).json()
    in_2025 = (await api.get("/municipalities", params={"year": 2025})).json()

    assert len(in_2024) == 300
    assert len(in_2025) == 285
    hasselt_2024 = next(m for m in in_2024 if m["name_nl"] == "Hasselt")
    assert hasselt_2024 == {
        "nis_code": "71022",
        "name_nl": "Hasselt",
        "province_nl": "Limburg",
        "valid_from": "2019-01-01",
        "valid_to": "2024-12-31",
        "merged_into_nis": "71072",
    }
    assert (await api.get("/municipalities", params={"year": 2018})).status_code == 422
    assert (await api.get("/municipalities")).status_code == 422


async def test_operation_ids_are_stable() -> None:
    spec = json.loads(openapi_document())  # /openapi.json is served in development only
    operation_ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert operation_ids == {
        "academies-register_academy",
        "academies-get_academy",
        "academies-list_academies",
        "academies-update_academy",
        "academies-import_academies_csv",
        "recognition-decide_recognition",
        "recognition-get_recognition",
        "recognition-list_recognised",
        "recognition-list_reviews_due",
        "recognition-list_roles",
        "recognition-assign_role",
        "recognition-revoke_role",
        "participants-report_participants",
        "participants-list_participant_reports",
        "participants-list_participant_reports_of_year",
        "participants-get_reporting_completeness",
        "municipalities-list_municipalities",
        "municipalities-get_municipality",
        "municipalities-get_successor",
        "municipalities-list_predecessors",
        "municipalities-lookup_postal_code",
        "municipalities-locate_point",
        "municipalities-get_boundaries",
        "municipalities-record_follow_up",
        "municipalities-get_follow_up",
        "municipalities-delete_follow_up",
        "municipalities-list_follow_ups",
        "audit-list_audit",
        "self-service-get_own_academy",
        "self-service-keep_profile",
        "self-service-ask_to_link_organizer",
        "self-service-list_own_participant_reports",
        "self-service-report_own_participants",
        "self-service-list_pending_link_requests",
        "self-service-confirm_link_request",
        "self-service-reject_link_request",
        "recognition-list_standing",
        "ops-list_parked",
        "ops-retry",
        "ops-discard",
    }
