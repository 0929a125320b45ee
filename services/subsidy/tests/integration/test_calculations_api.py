"""Calculation runs over HTTP: stored and announced, explained, diffed; what-if; overrides;
fail closed on unknown parameters; the debounced runner."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.registry import RoleAssigned
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN, DEV_OPS_TOKEN
from stemkit.storage.db import outbox
from subsidy.config import Settings
from subsidy.entrypoints.api import create_app
from subsidy.service_layer.debounce import run_due

# Reach for subsidy needs a recognition in force (issue 15): acad-1 and acad-2 have one.
pytestmark = pytest.mark.usefixtures("recognised")

Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]
Sessions = async_sessionmaker[AsyncSession]
# The gateway's token (read and ops scopes, no write): what the clients present.
READER = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}


OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
UITROLLERS = {"year": 2023, "call_ids": ["uitrollers_2023"]}


# Two weekly sessions: a traject (stem/recognition/min_sessions_per_traject), which the calls
# paying per place need (ADR 0013); one session still proves reach.
TRAJECT = ("2023-03-04T14:00:00+01:00", "2023-03-11T14:00:00+01:00")


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=database_url, environment="test"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://subsidy", headers=READER
        ) as c,
    ):
        yield c


@pytest.fixture
async def seeded(deliver: Deliver, published: EventFactory) -> None:
    role = RoleAssigned(academy_id="acad-1", year=2023, role="uitroller")
    await deliver(CATALOG.new_event(role, source="/stem/registry"))
    await deliver(published("act-1", nis_code="24062", postal_code="3000", starts=TRAJECT))
    await deliver(published("act-2", nis_code="24062", postal_code="3010", starts=TRAJECT))
    # One session: reach in Leuven, but no traject, so it earns its postal code nothing.
    await deliver(published("act-3", nis_code="24062", postal_code="3001"))


async def announced(sessions: Sessions) -> list[dict[str, object]]:
    async with sessions() as session:
        rows = await session.execute(select(outbox.c.envelope).order_by(outbox.c.seq))
        events = [json.loads(envelope) for (envelope,) in rows]
    return [e["data"] for e in events if e["type"] == "be.vlaio.stem.subsidy.calculated.v1"]


@pytest.mark.usefixtures("seeded")
async def test_a_run_is_stored_announced_explained_and_diffed(
    client: httpx.AsyncClient, sessions: Sessions, deliver: Deliver, withdrawn: EventFactory
) -> None:
    # The gateway may read the runs, not make one.
    assert (await client.post("/calculations", json=UITROLLERS)).status_code == 403
    first = await client.post("/calculations", json=UITROLLERS, headers=OPS)
    assert first.status_code == 201, first.text
    run = first.json()
    assert run["trigger"] == "api" and run["watermark"].startswith("events=")
    assert run["rules_version"].startswith("2026.11.1+")
    (event,) = await announced(sessions)
    assert event["total_eur"] == "3000.00" and event["allocation"] == "pro_rata"

    explained = await client.get(
        f"/calculations/{run['run_id']}/explanation", params={"academy_id": "acad-1"}
    )
    body = explained.json()
    assert [(ln["place"], ln["paid"], ln["activity_ids"]) for ln in body["lines"]] == [
        ("3000", "1500", ["act-1"]),
        ("3010", "1500", ["act-2"]),
    ]
    # Each euro names the traject that made it payable: activity, sessions, first and last.
    assert [ln["trajecten"] for ln in body["lines"]] == [
        [f"traject {a}: 2 sessions held, first 2023-03-04, last 2023-03-11"]
        for a in ("act-1", "act-2")
    ]
    assert "1,500 once per postal code" in body["rules"]["uitrollers_2023"]
    assert {p["name"]: p["status"] for p in body["parameters"]} == {
        "stem/calls/uitrollers_2023/amount_per_postcode_eur": "stated",
        "stem/calls/uitrollers_2023/max_per_academy_eur": "stated",
        "stem/recognition/min_sessions_per_traject": "inferred",
    }

    await deliver(withdrawn("act-2"))
    second = (await client.post("/calculations", json=UITROLLERS, headers=OPS)).json()
    diff = await client.get(
        "/calculations/diff", params={"from_run": run["run_id"], "to_run": second["run_id"]}
    )
    (change,) = diff.json()["changes"]
    assert (change["place"], change["before"], change["after"]) == ("3010", "1500", "0")
    assert "act-2 no longer prove" in change["why"]
    subsidies = await client.get("/subsidies", params={"year": 2023, "role": "uitroller"})
    assert [s["paid_eur"] for s in subsidies.json()] == ["1500"]


@pytest.mark.usefixtures("seeded")
async def test_unknown_parameters_refuse_until_an_operator_sets_them(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.post("/calculations", json={"year": 2023}, headers=OPS)
    assert refused.status_code == 422
    assert "stem/calls/gangmakers_2023/grant_per_academy_eur" in refused.text
    for call in ("gangmakers_2023", "ontwikkelaars_2023"):
        override = {
            "name": f"stem/calls/{call}/grant_per_academy_eur",
            "value": 5000,
            "effective_from": "2023-01-01",
            "author": "VLAIO, dossier 2023/17",
            "reason": "amount from the call's handleiding",
        }
        created = await client.post("/parameters/overrides", json=override, headers=OPS)
        assert created.status_code == 201
    accepted = await client.post("/calculations", json={"year": 2023}, headers=OPS)
    assert accepted.status_code == 201, accepted.text
    used = {p["name"]: p for p in accepted.json()["result"]["parameters"]}
    gangmaker = used["stem/calls/gangmakers_2023/grant_per_academy_eur"]
    assert gangmaker["status"] == "override"
    # The author is the credential's principal (issue 21), not the request's `author`.
    assert gangmaker["override"]["author"] == "ops (shared token) <static:ops>"
    no_call = await client.post("/calculations", json={"year": 2024}, headers=OPS)
    assert no_call.status_code == 422 and "no subsidy call is known for 2024" in no_call.text


@pytest.mark.usefixtures("seeded")
async def test_what_if_changes_parameters_without_storing(client: httpx.AsyncClient) -> None:
    changed = {"stem/calls/uitrollers_2023/amount_per_postcode_eur": 2000}
    body = {**UITROLLERS, "parameters": changed}
    result = (await client.post("/what-if", json=body)).json()
    assert [line["paid"] for line in result["calls"][0]["lines"]] == ["2000", "2000"]
    assert (await client.get("/calculations")).json() == []
    params = (await client.get("/parameters", params={"on": "2021-06-01"})).json()
    amount = {p["name"]: p for p in params}["stem/calls/academies_2021/amount_per_unit_eur"]
    assert amount["status"] == "unknown" and amount["value"] is None


@pytest.mark.usefixtures("seeded")
async def test_changes_are_recalculated_after_a_quiet_period(
    sessions: Sessions, deliver: Deliver, published: EventFactory
) -> None:
    assert await run_due(sessions, quiet=3600) == []  # not quiet long enough yet
    (run_id,) = await run_due(sessions, quiet=0)
    assert await run_due(sessions, quiet=0) == []  # nothing changed since
    (event,) = await announced(sessions)
    assert event["run_id"] == run_id and event["trigger"] == "debounced"
    assert event["skipped_calls"] == ["gangmakers_2023", "ontwikkelaars_2023"]
    await deliver(published("act-3", nis_code="44021", postal_code="9000"))
    assert len(await run_due(sessions, quiet=0)) == 1
