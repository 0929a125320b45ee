"""Partner reads of recognition (issue 18) on PostgreSQL: the status in force on a day and
the roles of a year per academy (`GET /recognition/standing`), and the academies listed by
name filtered to the recognised ones (`GET /academies?recognised_on=`)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.postgres

OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}


async def academy(api: httpx.AsyncClient, name: str) -> str:
    response = await api.post("/academies", json={"name": name}, headers=OPS)
    assert response.status_code == 201
    academy_id: str = response.json()["id"]
    return academy_id


async def decide(
    api: httpx.AsyncClient, academy_id: str, status: str, on: str, **extra: str
) -> None:
    body = {"status": status, "decided_on": on, "reason": "dossier", "author": "VLAIO, An"}
    answer = await api.post(f"/academies/{academy_id}/recognition", json=body | extra, headers=OPS)
    assert answer.status_code == 201, answer.text


async def test_standing_and_the_recognised_filter(api: httpx.AsyncClient) -> None:
    lab = await academy(api, "Codeclub Leuven")
    asked = await academy(api, "Aardrijkskunde Aalst")
    suspended = await academy(api, "Bouwclub Brugge")
    await decide(api, lab, "requested", "2023-01-02")
    await decide(api, lab, "provisionally_recognised", "2023-02-01")
    await decide(api, asked, "requested", "2024-03-01")
    await decide(api, suspended, "requested", "2022-01-03")
    await decide(api, suspended, "provisionally_recognised", "2022-02-01")
    await decide(api, suspended, "suspended", "2022-06-01")
    assert (await api.put(f"/academies/{lab}/roles/2023/uitroller", headers=OPS)).is_success
    assert (await api.put(f"/academies/{lab}/roles/2024/gangmaker", headers=OPS)).is_success

    answer = await api.get(
        "/recognition/standing",
        params={"ids": f"{lab},{asked},{suspended},nobody", "on": "2023-06-01", "year": 2023},
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {
            "academy_id": lab,
            "status": "provisionally_recognised",
            "valid_from": "2023-02-01",
            "valid_until": "2024-01-31",
            "recognised": True,
            "roles": ["uitroller"],
        },
        {
            "academy_id": asked,
            "status": None,  # its request is later than the day asked
            "valid_from": None,
            "valid_until": None,
            "recognised": False,
            "roles": [],
        },
        {
            "academy_id": suspended,
            "status": "suspended",
            "valid_from": "2022-06-01",
            "valid_until": "2023-01-31",  # suspended within its provisional year
            "recognised": False,
            "roles": [],
        },
        {
            "academy_id": "nobody",
            "status": None,
            "valid_from": None,
            "valid_until": None,
            "recognised": False,
            "roles": [],
        },
    ]

    listed = await api.get("/academies", params={"recognised_on": "2023-06-01", "limit": 10})
    assert [a["id"] for a in listed.json()] == [lab]
    everyone = await api.get("/academies", params={"limit": 10})
    assert [a["name"] for a in everyone.json()] == [
        "Aardrijkskunde Aalst",
        "Bouwclub Brugge",
        "Codeclub Leuven",
    ]
    later = await api.get("/academies", params={"recognised_on": "2024-06-01", "limit": 10})
    assert later.json() == []  # the provisional recognition ran out on 31 January 2024


async def test_standing_asks_one_to_a_hundred_ids(api: httpx.AsyncClient) -> None:
    too_many = ",".join(f"a{n}" for n in range(101))
    params = {"on": "2023-06-01", "year": "2023"}

    assert (
        await api.get("/recognition/standing", params={"ids": too_many} | params)
    ).status_code == 422
    assert (await api.get("/recognition/standing", params={"ids": ","} | params)).status_code == 422
