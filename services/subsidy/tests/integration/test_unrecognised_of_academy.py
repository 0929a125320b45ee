"""Issue 21: one academy's activities whose reach only a missing recognition keeps out, per
year, with the session days and the academy's status on them (for its self-service page)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime

import httpx
import pytest

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityPublished, Location, Occurrence
from stemkit.contracts.registry import RecognitionDecided
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN
from subsidy.config import Settings
from subsidy.entrypoints.api import create_app

Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]
READER = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}
PATH = "/reach/unrecognised"


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


def _lapsing(academy_id: str, until: date) -> CloudEvent:
    decided = RecognitionDecided(
        academy_id=academy_id,
        decision_id=f"d-{academy_id}",
        status="recognised",
        decided_on=date(2019, 1, 1),
        valid_from=date(2019, 1, 1),
        valid_until=until,
        reason="recognised until mid 2021",
        author="test",
    )
    return CATALOG.new_event(decided, source="/stem/registry")


def merged_between(activity_id: str, academy_id: str, first: str, second: str) -> CloudEvent:
    payload = ActivityPublished(
        activity_id=activity_id,
        name="Robots bouwen",
        academy_id=academy_id,
        occurrences=[
            Occurrence(start=datetime.fromisoformat(first), nis_code="23023"),
            Occurrence(start=datetime.fromisoformat(second), nis_code="23106"),
        ],
        location=Location(name="Zaal", nis_code="23023", postal_code="1570"),
        public=True,
        modified=datetime.fromisoformat("2021-02-01T10:00:00+00:00"),
    )
    return CATALOG.new_event(payload, source="/stem/activities")


@pytest.mark.usefixtures("recognised")  # acad-1 only, of these
async def test_an_academys_activities_kept_out_by_its_recognition_with_the_days(
    client: httpx.AsyncClient, deliver: Deliver, published: EventFactory
) -> None:
    await deliver(_lapsing("acad-lapsed", date(2021, 6, 30)))
    spring, autumn = "2021-03-04T14:00:00+01:00", "2021-09-10T14:00:00+02:00"
    # Never recognised: every session of the year; a draft proves nothing anyway.
    await deliver(published("nieuw-a", academy_id="acad-nieuw", starts=(spring, autumn)))
    await deliver(published("nieuw-b", academy_id="acad-nieuw", public=False, starts=(spring,)))
    await deliver(
        published(
            "nieuw-c",
            academy_id="acad-nieuw",
            nis_code="24062",
            postal_code="3000",
            starts=(spring,),
        )
    )
    # Recognised until June: the autumn session only; a spring one already proves its place.
    await deliver(published("lapsed-autumn", academy_id="acad-lapsed", starts=(autumn,)))
    await deliver(
        published(
            "lapsed-both",
            academy_id="acad-lapsed",
            nis_code="24062",
            postal_code="3000",
            starts=(spring, autumn),
        )
    )
    await deliver(published("recognised", academy_id="acad-1", starts=(autumn,)))
    # Sessions in two municipalities (a merger between them): only the unrecognised one's.
    await deliver(merged_between("lapsed-moved", "acad-lapsed", spring, autumn))

    answer = await client.get(PATH, params={"academy_id": "acad-nieuw", "year": 2021})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "academy_id": "acad-nieuw",
        "year": 2021,
        "items": [
            {
                "activity_id": "nieuw-a",
                "nis_codes": ["44021"],
                "postal_codes": ["9000"],
                "days": ["2021-03-04", "2021-09-10"],
                "recognition_status": None,
            },
            {
                "activity_id": "nieuw-c",
                "nis_codes": ["24062"],
                "postal_codes": ["3000"],
                "days": ["2021-03-04"],
                "recognition_status": None,
            },
        ],
        "next_after": None,
    }
    lapsed = (await client.get(PATH, params={"academy_id": "acad-lapsed", "year": 2021})).json()
    assert [(i["activity_id"], i["days"], i["recognition_status"]) for i in lapsed["items"]] == [
        ("lapsed-autumn", ["2021-09-10"], "expired"),
        ("lapsed-moved", ["2021-09-10"], "expired"),
    ]
    assert lapsed["items"][1]["nis_codes"] == ["23106"]
    for academy_id, year in (("acad-1", 2021), ("acad-nieuw", 2022)):
        found = await client.get(PATH, params={"academy_id": academy_id, "year": year})
        assert found.json()["items"] == [], (academy_id, year)
    first = await client.get(PATH, params={"academy_id": "acad-nieuw", "year": 2021, "limit": 1})
    assert [i["activity_id"] for i in first.json()["items"]] == ["nieuw-a"]
    rest = await client.get(
        PATH,
        params={"academy_id": "acad-nieuw", "year": 2021, "after": first.json()["next_after"]},
    )
    assert [i["activity_id"] for i in rest.json()["items"]] == ["nieuw-c"]
    refused = await client.get(
        PATH, params={"academy_id": "acad-nieuw", "year": 2021}, headers={"Authorization": ""}
    )
    assert refused.status_code == 401
