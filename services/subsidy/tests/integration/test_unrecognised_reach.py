"""Recognition fails closed (issue 15): an academy without a recognition in force reaches
nothing for subsidy; its activities are shown apart in /coverage, and the coverage rule of
the year (stem/coverage/academies_counted) is stated with its source."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN
from subsidy.adapters.reach_of_academies import reach_of
from subsidy.config import Settings
from subsidy.entrypoints.api import create_app

Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]
READER = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}


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


@pytest.mark.usefixtures("recognised")  # acad-1 and acad-2 only
async def test_an_unrecognised_academy_is_counted_apart_not_reached(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    deliver: Deliver,
    published: EventFactory,
) -> None:
    for year in (2019, 2021):
        starts = (f"{year}-03-04T14:00:00+01:00",)
        await deliver(published(f"gent-{year}", academy_id="acad-1", starts=starts))
        await deliver(
            published(
                f"leuven-{year}",
                academy_id="acad-nieuw",
                nis_code="24062",
                postal_code="3000",
                starts=starts,
            )
        )
    async with sessions() as session:
        assert await reach_of(session, ["acad-nieuw"]) == []
        assert {r.year for r in await reach_of(session, ["acad-1"])} == {2019, 2021}

    y2021 = (await client.get("/coverage", params={"year": 2021})).json()
    assert y2021["academies_counted"] == "recognised"
    assert "stem/coverage/academies_counted = recognised (inferred" in y2021["rule"]
    assert y2021["unrecognised"] == {
        "activities": 1,
        "academy_ids": ["acad-nieuw"],
        "nis_codes": ["24062"],
        "only_these": ["24062"],
    }
    y2019 = (await client.get("/coverage", params={"year": 2019})).json()
    assert y2019["academies_counted"] == "network"
    assert y2019["unrecognised"]["academy_ids"] == ["acad-nieuw"]
