"""Participant reports on PostgreSQL: corrections keep history; completeness per year."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox

pytestmark = pytest.mark.postgres

OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}


async def academy(api: httpx.AsyncClient, name: str) -> str:
    response = await api.post("/academies", json={"name": name}, headers=OPS)
    academy_id: str = response.json()["id"]
    return academy_id


async def recognise(api: httpx.AsyncClient, academy_id: str) -> None:
    for status, on in (("requested", "2022-09-01"), ("provisionally_recognised", "2022-10-01")):
        body = {"status": status, "decided_on": on, "reason": "ok", "author": "VLAIO"}
        answer = await api.post(f"/academies/{academy_id}/recognition", json=body, headers=OPS)
        assert answer.status_code == 201, answer.text


async def test_a_correction_supersedes_and_the_history_stays(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    contract: Callable[[CloudEvent], None],
) -> None:
    lab = await academy(api, "Codeclub Leuven")
    url = f"/academies/{lab}/participant-reports"
    first = await api.post(
        url, json={"year": 2023, "participants": 100, "under_14": 70, "from_14": 30}, headers=OPS
    )
    assert first.status_code == 201, first.text
    quarter = await api.post(
        url, json={"year": 2023, "quarter": 1, "participants": 20}, headers=OPS
    )
    assert quarter.status_code == 201
    corrected = await api.post(url, json={"year": 2023, "participants": 110}, headers=OPS)
    assert corrected.json()["supersedes"] == first.json()["report_id"]

    current = (await api.get(url, params={"year": 2023})).json()
    assert [(r["quarter"], r["participants"]) for r in current] == [(None, 110), (1, 20)]
    everything = (await api.get(url, params={"history": True})).json()
    assert len(everything) == 3
    old = next(r for r in everything if r["report_id"] == first.json()["report_id"])
    assert old["superseded_by"] == corrected.json()["report_id"]
    assert old["under_14"] == 70

    async with sessions() as session:
        rows = await session.scalars(
            select(outbox.c.envelope)
            .where(outbox.c.event_type == "be.vlaio.stem.academy.participants_reported.v1")
            .order_by(outbox.c.seq)
        )
        events = [CloudEvent.model_validate_json(row) for row in rows]
    assert len(events) == 3
    for event in events:
        contract(event)
    assert events[2].data["supersedes"] == first.json()["report_id"]


async def test_bad_and_unauthorised_reports_change_nothing(api: httpx.AsyncClient) -> None:
    lab = await academy(api, "Codeclub Leuven")
    url = f"/academies/{lab}/participant-reports"
    bad = await api.post(
        url, json={"year": 2023, "participants": 10, "under_14": 6, "from_14": 5}, headers=OPS
    )
    assert bad.status_code == 422
    assert [e["loc"][-1] for e in bad.json()["detail"]] == ["participants"]
    worse = await api.post(url, json={"year": 1999, "quarter": 9, "participants": -1}, headers=OPS)
    assert {e["loc"][-1] for e in worse.json()["detail"]} == {"year", "quarter", "participants"}
    assert (await api.post(url, json={"year": 2023, "participants": 1})).status_code == 403
    assert (await api.get(url, params={"history": True})).json() == []
    missing = "/academies/00000000-0000-4000-8000-000000000000/participant-reports"
    assert (
        await api.post(missing, json={"year": 2023, "participants": 1}, headers=OPS)
    ).status_code == 404


async def test_completeness_counts_the_recognised_academies_that_reported(
    api: httpx.AsyncClient,
) -> None:
    reporting, silent = await academy(api, "A reports"), await academy(api, "B silent")
    unrecognised = await academy(api, "C not recognised")
    for academy_id in (reporting, silent):
        await recognise(api, academy_id)
    for academy_id in (reporting, unrecognised):
        body = {"year": 2023, "quarter": 2, "participants": 5}
        await api.post(f"/academies/{academy_id}/participant-reports", json=body, headers=OPS)

    found = (await api.get("/participant-reports/completeness", params={"year": 2023})).json()
    assert found == {
        "year": 2023,
        "recognised": 2,
        "reported": 1,
        "share": 0.5,
        "not_reported": [silent],
    }
    before = (await api.get("/participant-reports/completeness", params={"year": 2021})).json()
    assert (before["recognised"], before["share"]) == (0, None)


async def test_concurrent_reports_for_one_period_form_one_chain(api: httpx.AsyncClient) -> None:
    lab = await academy(api, "Codeclub Leuven")
    url = f"/academies/{lab}/participant-reports"
    answers = await asyncio.gather(
        *(api.post(url, json={"year": 2024, "participants": n}, headers=OPS) for n in range(4))
    )
    assert [a.status_code for a in answers] == [201] * 4
    everything = (await api.get(url, params={"history": True})).json()
    assert len(everything) == 4
    assert sum(r["superseded_by"] is None for r in everything) == 1
    assert sum(r["supersedes"] is None for r in everything) == 1  # the first of the chain
    assert len((await api.get(url)).json()) == 1


async def test_the_reports_of_a_year_of_every_academy_in_one_call(api: httpx.AsyncClient) -> None:
    first, second = await academy(api, "A reports"), await academy(api, "B reports")
    posts = [
        (first, {"year": 2023, "participants": 50}),
        (first, {"year": 2023, "quarter": 1, "participants": 10}),
        (first, {"year": 2023, "participants": 55}),  # a correction: only it is in force
        (second, {"year": 2023, "quarter": 2, "participants": 7}),
        (second, {"year": 2022, "participants": 3}),
    ]
    for academy_id, body in posts:
        url = f"/academies/{academy_id}/participant-reports"
        assert (await api.post(url, json=body, headers=OPS)).status_code == 201

    found = (await api.get("/participant-reports", params={"year": 2023})).json()
    expected = sorted([(first, None, 55), (first, 1, 10), (second, 2, 7)], key=lambda r: r[0])
    assert [(r["academy_id"], r["quarter"], r["participants"]) for r in found] == expected
    assert (await api.get("/participant-reports", params={"year": 2019})).json() == []
    assert (await api.get("/participant-reports", params={"year": 1999})).status_code == 422
