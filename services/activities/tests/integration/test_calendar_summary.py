"""GET /calendar/summary?year=: the year's public activities per month (Brussels time),
theme and age group, for the gateway's yearly report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

Post = Callable[..., Awaitable[httpx.Response]]


def event(
    number: int, starts: list[str], theme: str | None, ages: str | None, status: str = "APPROVED"
) -> dict[str, Any]:
    activity = f"00000000-0000-4000-8000-{number:012d}"
    document: dict[str, Any] = {
        "@id": f"https://io.uitdatabank.be/events/{activity}",
        "mainLanguage": "nl",
        "name": {"nl": f"Activiteit {number}"},
        "calendarType": "multiple" if len(starts) > 1 else "single",
        "startDate": starts[0],
        "endDate": starts[-1],
        "subEvent": [
            {"@type": "Event", "id": n, "startDate": s, "endDate": s} for n, s in enumerate(starts)
        ],
        "location": {
            "@id": "https://io.uitdatabank.be/places/179c89c5-dba4-417b-ae96-62e7a12c2405",
            "name": {"nl": "Lokaal"},
            "address": {
                "nl": {
                    "addressCountry": "BE",
                    "addressLocality": "Leuven",
                    "postalCode": "3000",
                    "streetAddress": "Vaartkom 35",
                }
            },
        },
        "terms": [{"id": "0.3.1.0.0", "label": "Lessenreeks", "domain": "eventtype"}]
        + ([{"id": theme, "label": "t", "domain": "theme"}] if theme else []),
        "workflowStatus": status,
        "modified": "2023-01-01T09:00:00+01:00",
    }
    if ages:
        document["typicalAgeRange"] = ages
    return document


async def test_a_year_per_month_theme_and_age_group(
    post_document: Post, client: httpx.AsyncClient
) -> None:
    documents = [
        event(1, ["2024-01-10T14:00:00+01:00", "2024-03-05T14:00:00+01:00"], "1.25.0.0.0", "6-12"),
        event(2, ["2024-03-20T14:00:00+01:00"], "1.21.0.0.0", "14-18"),
        # 23:30 on 31 December and 00:30 on 1 January, Brussels time: one session each year.
        event(3, ["2023-12-31T23:30:00+01:00", "2024-01-01T00:30:00+01:00"], None, None),
        event(4, ["2024-02-01T14:00:00+01:00"], "1.25.0.0.0", "6-12", status="DRAFT"),
    ]
    for document in documents:
        assert (await post_document(document)).status_code == 202

    found = (await client.get("/calendar/summary", params={"year": 2024})).json()
    months = {f"{m:02d}": 0 for m in range(1, 13)} | {"01": 2, "03": 2}
    assert found == {
        "year": 2024,
        "activities": 3,  # the draft is not on the calendar
        "with_academy": 0,
        "months": months,
        "themes": {"": 1, "1.21.0.0.0": 1, "1.25.0.0.0": 1},
        "age_groups": {"under_14": 1, "14_and_over": 1, "unknown": 1},
    }
    before = (await client.get("/calendar/summary", params={"year": 2023})).json()
    assert (before["activities"], before["months"]["12"], before["months"]["01"]) == (1, 1, 0)
    assert (await client.get("/calendar/summary", params={"year": 1999})).status_code == 422
