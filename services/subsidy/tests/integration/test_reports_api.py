"""Read API: coverage, not reached with the nearest active academies, new and dropped
between years (also on 2025 boundaries), spread of themes and age groups."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.registry import Centroid, MunicipalityDefined
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN
from subsidy.adapters.reach_of_academies import reach_of
from subsidy.config import Settings
from subsidy.entrypoints.api import create_app

# Reach for subsidy needs a recognition in force (issue 15): acad-1 and acad-2 have one.
pytestmark = pytest.mark.usefixtures("recognised")

Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]

PLACES = [  # nis, name, to, merged_into, lat, lon
    ("23023", "Galmaarden", date(2024, 12, 31), "23106", 50.74, 3.97),
    ("23032", "Herne", date(2024, 12, 31), "23106", 50.72, 4.03),
    ("23106", "Pajottegem", None, None, 50.75, 4.05),
    ("24062", "Leuven", None, None, 50.88, 4.70),
    ("24009", "Bertem", None, None, 50.86, 4.63),
]


# The gateway's token (read and ops scopes, no write): what the clients present.
READER = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}


@pytest.fixture
async def client(
    database_url: str, deliver: Deliver, published: EventFactory
) -> AsyncIterator[httpx.AsyncClient]:
    for nis, name, to, merged, lat, lon in PLACES:
        municipality = MunicipalityDefined(
            nis_code=nis,
            name_nl=name,
            province_nl="Vlaams-Brabant",
            valid_from=date(2025, 1, 1) if nis == "23106" else date(2019, 1, 1),
            valid_to=to,
            merged_into_nis=merged,
            centroid=Centroid(latitude=lat, longitude=lon),
        )
        await deliver(CATALOG.new_event(municipality, source="/stem/registry"))
    await deliver(published("g", nis_code="23023", starts=("2024-04-01T10:00:00+02:00",)))
    await deliver(published("l", nis_code="24062", starts=("2025-04-01T10:00:00+02:00",)))
    await deliver(published("p", nis_code="23106", starts=("2025-05-01T10:00:00+02:00",)))
    app = create_app(Settings(database_url=database_url, environment="test"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://subsidy", headers=READER
        ) as c,
    ):
        yield c


async def test_coverage_per_province_on_that_years_municipalities(
    client: httpx.AsyncClient,
) -> None:
    c2024 = (await client.get("/coverage", params={"year": 2024})).json()
    assert (c2024["reached"], c2024["total"]) == (1, 4)
    c2025 = (await client.get("/coverage", params={"year": 2025})).json()
    (province,) = c2025["provinces"]
    assert province["reached_nis_codes"] == ["23106", "24062"]
    assert province["not_reached_nis_codes"] == ["24009"]


async def test_not_reached_with_the_nearest_active_academies(client: httpx.AsyncClient) -> None:
    (bertem,) = (await client.get("/not-reached", params={"year": 2025})).json()
    assert bertem["nis_code"] == "24009"
    (nearest,) = bertem["nearest_active_academies"]
    assert nearest["academy_id"] == "acad-1" and 4 < nearest["km"] < 7


async def test_each_municipality_with_the_academies_that_reached_it(
    client: httpx.AsyncClient,
) -> None:
    found = (await client.get("/reach/by-municipality", params={"year": 2025})).json()
    assert {m["nis_code"]: m["academy_ids"] for m in found} == {
        "23106": ["acad-1"],
        "24009": [],
        "24062": ["acad-1"],
    }
    assert found[0]["name"] == "Pajottegem" and found[0]["province"] == "Vlaams-Brabant"
    elsewhere = await client.get(
        "/reach/by-municipality", params={"year": 2025, "province": "Limburg"}
    )
    assert elsewhere.json() == []


async def test_new_and_dropped_between_years_also_on_2025_boundaries(
    client: httpx.AsyncClient,
) -> None:
    own = (await client.get("/reach/changes", params={"from_year": 2024, "to_year": 2025})).json()
    assert (own["newly_reached"], own["dropped"]) == (["23106", "24062"], ["23023"])
    mapped = await client.get(
        "/reach/changes", params={"from_year": 2024, "to_year": 2025, "boundaries_of": 2025}
    )
    assert (mapped.json()["newly_reached"], mapped.json()["dropped"]) == (["24062"], [])


async def test_spread_of_themes_and_age_groups(client: httpx.AsyncClient) -> None:
    spread = (await client.get("/spread", params={"year": 2025})).json()
    assert spread["activities"] == 2
    assert spread["age_groups"] == {"unknown": 2}
    assert (await client.get("/subsidies", params={"year": 2025})).status_code == 404


async def test_the_calls_of_a_year_and_none_for_2022(client: httpx.AsyncClient) -> None:
    calls = (await client.get("/calls", params={"year": 2023})).json()
    assert {(c["call_id"], c["role"]) for c in calls} == {
        ("uitrollers_2023", "uitroller"),
        ("gangmakers_2023", "gangmaker"),
        ("ontwikkelaars_2023", "ontwikkelaar"),
    }
    assert all(c["formula"] and c["source"] for c in calls)
    assert (await client.get("/calls", params={"year": 2022})).json() == []


async def test_2019_coverage_counts_only_places_reached_with_a_traject(
    client: httpx.AsyncClient,
    deliver: Deliver,
    published: EventFactory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Issue 15, ADR 0013: the 2019 figure counts "minstens 1 reeks STEM-activiteiten"
    (stem/coverage/traject_required), so a one-session workshop proves reach in Herne but
    the 2019 coverage counts only Galmaarden's two-session course."""
    course = ("2019-03-06T14:00:00+01:00", "2019-03-13T14:00:00+01:00")
    await deliver(published("reeks", nis_code="23023", starts=course))
    await deliver(published("workshop", nis_code="23032", starts=("2019-04-03T14:00:00+02:00",)))
    async with sessions() as session:  # reach (ReachChanged) counts both
        assert [r.nis_code for r in await reach_of(session, ["acad-1"], 2019)] == [
            "23023",
            "23032",
        ]
    by_municipality = (await client.get("/reach/by-municipality", params={"year": 2019})).json()
    assert {m["nis_code"] for m in by_municipality if m["academy_ids"]} == {"23023"}
    c2019 = (await client.get("/coverage", params={"year": 2019})).json()
    (province,) = c2019["provinces"]
    assert province["reached_nis_codes"] == ["23023"]
    assert "stem/coverage/traject_required = True (inferred" in c2019["rule"]
    # From 2020 every held session counts: the 2024 one-session event in Galmaarden does.
    c2024 = (await client.get("/coverage", params={"year": 2024})).json()
    assert c2024["reached"] == 1 and "traject_required = False" in c2024["rule"]
