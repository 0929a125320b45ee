"""Municipality follow-ups (Q2b/c) over HTTP on PostgreSQL: recorded per NIS code and year,
replaced, listed for the report, refused for a code not valid in the year, writes need the
write scope."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from registry.entrypoints.follow_up_routes import FollowUpOut

pytestmark = pytest.mark.postgres

OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}
GALMAARDEN, PAJOTTEGEM, GENT = "23023", "23106", "44021"
BODY = {
    "reason": "no_local_partner",
    "explanation": "geen zaal of school die wil hosten",
    "initiative": "STEM-academie netwerkdag: een partner zoeken in het Pajottenland",
    "author": "VLAIO ops",
}


async def test_a_follow_up_is_recorded_replaced_listed_and_removed(
    api: httpx.AsyncClient,
) -> None:
    url = f"/municipalities/{GALMAARDEN}/follow-up/2022"
    first = await api.put(url, json=BODY, headers=OPS)
    assert first.status_code == 200, first.text
    assert FollowUpOut.model_validate(first.json()).initiative == BODY["initiative"]

    changed = {
        "reason": "other",
        "explanation": "wegenwerken",
        "author": "VLAIO ops",
        "no_initiative_reason": "lost zichzelf op",
    }
    second = await api.put(url, json=changed, headers=OPS)
    assert second.status_code == 200, second.text
    await api.put(f"/municipalities/{GENT}/follow-up/2022", json=BODY, headers=OPS)
    await api.put(f"/municipalities/{GENT}/follow-up/2023", json=BODY, headers=OPS)

    read = (await api.get(url)).json()  # the read scope (the gateway's token) is enough
    assert (read["reason"], read["initiative"]) == ("other", None)
    assert read["no_initiative_reason"] == "lost zichzelf op"
    listed = (await api.get("/municipality-follow-ups", params={"year": 2022})).json()
    assert [f["nis_code"] for f in listed] == [GALMAARDEN, GENT]

    assert (await api.delete(url, headers=OPS)).status_code == 204
    assert (await api.get(url)).status_code == 404
    assert (await api.delete(url, headers=OPS)).status_code == 404


async def test_the_nis_code_must_be_a_municipality_of_that_year(api: httpx.AsyncClient) -> None:
    # Pajottegem exists from 2025, Galmaarden until 2024.
    before = await api.put(f"/municipalities/{PAJOTTEGEM}/follow-up/2022", json=BODY, headers=OPS)
    after = await api.put(f"/municipalities/{GALMAARDEN}/follow-up/2025", json=BODY, headers=OPS)
    assert (before.status_code, after.status_code) == (422, 422)
    assert before.json()["detail"][0]["loc"] == ["body", "nis_code"]
    merged = await api.put(f"/municipalities/{PAJOTTEGEM}/follow-up/2025", json=BODY, headers=OPS)
    assert merged.status_code == 200, merged.text
    unknown = await api.put("/municipalities/99999/follow-up/2022", json=BODY, headers=OPS)
    assert unknown.status_code == 422


async def test_bad_input_is_named_and_nothing_is_stored(api: httpx.AsyncClient) -> None:
    url = f"/municipalities/{GENT}/follow-up/2023"
    cases = [
        {**BODY, "reason": "lazy"},
        {**BODY, "reason": "other", "explanation": None},
        {**BODY, "initiative": "x" * 1001},
        {**BODY, "no_initiative_reason": "geen budget"},  # both the initiative and why none
        {**BODY, "author": ""},
        {**BODY, "surplus": 1},
    ]
    for body in cases:
        answer = await api.put(url, json=body, headers=OPS)
        assert answer.status_code == 422, (body, answer.text)
    assert (
        await api.put("/municipalities/4402/follow-up/2023", json=BODY, headers=OPS)
    ).status_code == 422
    assert (await api.get(url)).status_code == 404


async def test_writing_needs_the_write_scope(api: httpx.AsyncClient) -> None:
    url = f"/municipalities/{GENT}/follow-up/2023"
    as_gateway = await api.put(url, json=BODY)  # the client's default: the gateway's token
    anonymous = await api.put(url, json=BODY, headers={"Authorization": ""})
    assert (as_gateway.status_code, anonymous.status_code) == (403, 401)
    assert (await api.delete(url)).status_code == 403
    assert (await api.get(url)).status_code == 404


async def test_recordings_at_the_same_time_leave_one_follow_up(api: httpx.AsyncClient) -> None:
    url = f"/municipalities/{GENT}/follow-up/2024"
    bodies = [{**BODY, "initiative": f"initiatief {n}"} for n in range(8)]
    answers = await asyncio.gather(*(api.put(url, json=b, headers=OPS) for b in bodies))
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    listed = (await api.get("/municipality-follow-ups", params={"year": 2024})).json()
    assert len(listed) == 1 and listed[0]["initiative"] in {b["initiative"] for b in bodies}
