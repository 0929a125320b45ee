"""GET /reach: one academy (optionally one year) and the gateway's batch form."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN
from subsidy.config import Settings
from subsidy.entrypoints.api import create_app

# Reach for subsidy needs a recognition in force (issue 15): acad-1 and acad-2 have one.
pytestmark = pytest.mark.usefixtures("recognised")

# The gateway's token (read and ops scopes, no write): what the clients present.
READER = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=database_url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://subsidy", headers=READER
        ) as c,
    ):
        yield c


Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]


async def test_reach_per_academy_and_year(
    client: httpx.AsyncClient,
    deliver: Deliver,
    published: EventFactory,
) -> None:
    await deliver(published("act-1", starts=("2022-05-01T10:00:00+02:00",)))
    await deliver(published("act-2", starts=("2023-05-01T10:00:00+02:00",)))
    await deliver(published("act-3", academy_id="acad-2", nis_code="11002"))

    all_years = (await client.get("/reach", params={"academy_id": "acad-1"})).json()
    assert [(r["year"], r["activity_ids"]) for r in all_years] == [
        (2022, ["act-1"]),
        (2023, ["act-2"]),
    ]
    one_year = await client.get("/reach", params={"academy_id": "acad-1", "year": 2023})
    assert one_year.json() == [
        {
            "academy_id": "acad-1",
            "year": 2023,
            "nis_code": "44021",
            "activity_ids": ["act-2"],
            "postal_codes": ["9000"],
        }
    ]
    batch = await client.get("/reach", params={"academy_ids": "acad-1,acad-2,unknown"})
    assert [(r["academy_id"], r["year"]) for r in batch.json()] == [
        ("acad-1", 2022),
        ("acad-1", 2023),
        ("acad-2", 2023),
    ]


async def test_an_academy_is_required(client: httpx.AsyncClient) -> None:
    assert (await client.get("/reach")).status_code == 422
    assert (await client.get("/healthz")).json()["status"] == "alive"
