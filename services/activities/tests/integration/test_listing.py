"""The STEM-kalender listing: filters and cursor pagination."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest

from stemkit.contracts.registry import AcademyRegistered, MunicipalityDefined

Ingest = Callable[[Any], Awaitable[str]]
Deliver = Callable[[Any], Awaitable[None]]
Load = Callable[[str], dict[str, Any]]
ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
ACADEMY = "7d0c2a8e-9d61-4f4b-9a63-1f2f3f4e5a6b"
# Listed activities need an organizer linked to an academy (issue 15): the others' academy.
OTHER_ORGANIZER = "1c2d3e4f-0000-4000-8000-00000000000b"
OTHER_ACADEMY = "2b3c4d5e-0000-4000-8000-00000000000b"


def activity(
    load_event: Load,
    n: int,
    *,
    start: str,
    postal_code: str = "3000",
    locality: str = "Leuven",
    themes: tuple[str, ...] = (),
    ages: str | None = None,
    name: str = "Robotkamp",
    organizer: bool = False,
    workflow: str = "APPROVED",
) -> dict[str, Any]:
    document = load_event("original")
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["name"] = {"nl": name}
    document["startDate"] = start
    document["endDate"] = start.replace("T10:", "T12:")
    document["workflowStatus"] = workflow
    document["location"]["address"]["nl"] |= {
        "postalCode": postal_code,
        "addressLocality": locality,
    }
    document["terms"] = [{"id": t, "label": "x", "domain": "theme"} for t in themes]
    if ages is not None:
        document["typicalAgeRange"] = ages
    linked = ORGANIZER if organizer else OTHER_ORGANIZER
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{linked}"}
    return document


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [int(item["activity_id"][-12:]) for item in response.json()["items"]]


@pytest.fixture
async def calendar(ingest: Ingest, deliver: Deliver, load_event: Load) -> None:
    for nis, name, province, code in [
        ("24062", "Leuven", "Vlaams-Brabant", "3000"),
        ("44021", "Gent", "Oost-Vlaanderen", "9000"),
    ]:
        await deliver(
            MunicipalityDefined(
                nis_code=nis,
                name_nl=name,
                province_nl=province,
                valid_from=date(2019, 1, 1),
                postal_codes=[code],
            )
        )
    await deliver(AcademyRegistered(academy_id=ACADEMY, name="A", uit_organizer_ids=[ORGANIZER]))
    await deliver(
        AcademyRegistered(academy_id=OTHER_ACADEMY, name="B", uit_organizer_ids=[OTHER_ORGANIZER])
    )
    docs = [
        activity(
            load_event, 1, start="2025-03-01T10:00:00+01:00", themes=("1.25.0.0.0",), ages="6-12"
        ),
        activity(
            load_event,
            2,
            start="2025-04-01T10:00:00+02:00",
            postal_code="9000",
            locality="Gent",
            ages="10-",
        ),
        activity(
            load_event,
            3,
            start="2025-05-01T10:00:00+02:00",
            themes=("1.21.0.0.0",),
            name="Codeerclub Ça va",
            organizer=True,
        ),
        activity(load_event, 4, start="2025-06-01T10:00:00+02:00", workflow="DRAFT"),
        activity(load_event, 5, start="2025-07-01T10:00:00+02:00", workflow="DELETED"),
    ]
    for document in docs:
        await ingest(document)


@pytest.mark.usefixtures("calendar")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [1, 2, 3]),  # DRAFT and DELETED are not listed
        ({"from": "2025-03-15T00:00:00+01:00", "to": "2025-04-15T00:00:00+02:00"}, [2]),
        ({"nis_code": "44021"}, [2]),
        ({"province": "vlaams-brabant"}, [1, 3]),
        ({"academy_id": ACADEMY}, [3]),
        ({"theme_id": ["1.25.0.0.0", "1.21.0.0.0"]}, [1, 3]),
        ({"age": 11}, [1, 2]),
        ({"age": 40}, [2]),
        ({"q": "ca VA"}, [3]),
        ({"q": "gent"}, [2]),
        ({"q": "100%"}, []),
    ],
)
async def test_filters(
    client: httpx.AsyncClient, params: dict[str, Any], expected: list[int]
) -> None:
    assert ids(await client.get("/activities", params=params)) == expected


@pytest.mark.usefixtures("calendar")
async def test_cursor_pages_through_everything_once(client: httpx.AsyncClient) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/activities", params=params)
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [1, 2, 3]


async def test_a_bad_cursor_is_422(client: httpx.AsyncClient) -> None:
    assert (await client.get("/activities", params={"cursor": "nonsense"})).status_code == 422
