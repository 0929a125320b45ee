"""GET /activities/{id} and the gateway's batch GET /activities?ids=..."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from stemkit.contracts.activities import ActivitySnapshot

Post = Callable[..., Awaitable[httpx.Response]]
LoadEvent = Callable[[str], dict[str, Any]]

EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"
OTHER_ID = "289c4681-ee51-8ad8-a7851c6434767415"


async def test_one_activity_shaped_like_the_snapshot_payload(
    post_document: Post, load_event: LoadEvent, client: httpx.AsyncClient
) -> None:
    await post_document(load_event("original-with-multiple-dates"))

    response = await client.get(f"/activities/{EVENT_ID.upper()}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(ActivitySnapshot.model_fields)
    snapshot = ActivitySnapshot.model_validate(body)
    assert (snapshot.activity_id, len(snapshot.occurrences)) == (EVENT_ID, 3)


async def test_an_unknown_activity_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/activities/{OTHER_ID}")

    assert response.status_code == 404


async def test_batch_get_leaves_unknown_ids_out(
    post_document: Post, load_event: LoadEvent, client: httpx.AsyncClient
) -> None:
    await post_document(load_event("original"))
    legacy = load_event("original") | {"@id": f"http://x.be/event/{OTHER_ID.upper()}"}
    await post_document(legacy)

    response = await client.get(
        "/activities", params={"ids": f"{OTHER_ID}, {EVENT_ID},unknown-id,{EVENT_ID}"}
    )

    assert response.status_code == 200
    assert [item["activity_id"] for item in response.json()["items"]] == [EVENT_ID, OTHER_ID]


async def test_batch_get_is_bounded(client: httpx.AsyncClient) -> None:
    too_many = ",".join(f"id-{n}" for n in range(101))

    assert (await client.get("/activities", params={"ids": too_many})).status_code == 422
    assert (await client.get("/activities", params={"ids": " , "})).status_code == 422


async def test_platform_routes_and_stable_operation_ids(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "alive"
    assert (await client.get("/readyz")).json()["checks"]["database"] is True
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert paths["/activities/{activity_id}"]["get"]["operationId"] == "activities-get_activity"
    assert paths["/activities"]["get"]["operationId"] == "activities-get_activities"
    assert "/webhooks/uitdatabank" in paths
