"""The activity a partner builds a page from (issue 18): details, languages, the listing rule.

act-1 of the fakes carries every detail (conftest), act-4 none (an event of an older
version), act-2 a weekly course's compact calendar.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest

from gateway.adapters.activities import ActivityRead, listed

PAGE = """query($id: ID!, $languages: [Language!]) {
  activity(id: $id, languages: $languages) {
    id name language mainLanguage languages
    description descriptionText descriptionCut statusReason calendarSummary
    images { url thumbnailUrl copyrightHolder license description language main }
    booking { url urlLabel phone email availableFrom availableTo }
    bookingAvailability
    price { free categories { category name price currency } }
    uitUrl sameAs attendanceMode onlineUrl
    facilities { id label }
    organizer { name url emails phones }
    performers
    location { name streetAddress postalCode locality country latitude longitude online }
    translations { language name description descriptionText statusReason }
    academy { name }
  }
}"""


async def ask(
    gateway: httpx.AsyncClient, credentials: dict[str, str], query: str, **variables: Any
) -> dict[str, Any]:
    response = await gateway.post(
        "/graphql", json={"query": query, "variables": variables}, headers=credentials
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def test_the_whole_activity_page_in_its_main_language(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    data = await ask(gateway, {"X-API-Key": partner_key}, PAGE, id="act-1")

    assert data["activity"] == {
        "id": "act-1",
        "name": "Robots bouwen 1",
        "language": "NL",
        "mainLanguage": "NL",
        "languages": ["NL", "FR"],
        "description": "<p>Bouw een <strong>robot</strong>.</p><p>Voor 6 tot 12 jaar.</p>",
        "descriptionText": "Bouw een robot.\n\nVoor 6 tot 12 jaar.",
        "descriptionCut": False,
        "statusReason": "Zaal in renovatie",
        "calendarSummary": "di 2 apr 2024, 15:00-17:00",
        "images": [
            {
                "url": "https://images.uitdatabank.be/robot.jpg",
                "thumbnailUrl": "https://images.uitdatabank.be/robot-thumb.jpg",
                "copyrightHolder": "STEM-academie Gent",
                "license": "https://creativecommons.org/licenses/by/4.0/",
                "description": "Kinderen met een robot",
                "language": "NL",
                "main": True,
            }
        ],
        "booking": {
            "url": "https://tickets.example.be/robots",
            "urlLabel": "Schrijf je in",
            "phone": "+32 9 123 45 67",
            "email": "info@academie.example",
            "availableFrom": "2024-01-15T00:00:00+01:00",
            "availableTo": "2024-03-31T23:59:00+02:00",
        },
        "bookingAvailability": "AVAILABLE",
        "price": {
            "free": False,
            "categories": [
                {"category": "BASE", "name": "Basistarief", "price": 12.5, "currency": "EUR"},
                {"category": "UITPAS", "name": "UiTPAS", "price": 2.5, "currency": "EUR"},
            ],
        },
        "uitUrl": "https://www.uitinvlaanderen.be/agenda/e/robots-bouwen-1/act-1",
        "sameAs": ["https://www.uitinvlaanderen.be/agenda/e/robots-bouwen-1/act-1"],
        "attendanceMode": "OFFLINE",
        "onlineUrl": None,
        "facilities": [{"id": "3.23.1.0.0", "label": "Rolstoeltoegankelijk"}],
        "organizer": {
            "name": "STEM-academie Gent vzw",
            "url": "https://academie.example",
            "emails": ["info@academie.example"],
            "phones": ["09 123 45 67"],
        },
        "performers": ["Robotjuf An"],
        "location": {
            "name": "De Krook",
            "streetAddress": "Miriam Makebaplein 1",
            "postalCode": "9000",
            "locality": "Gent",
            "country": "BE",
            "latitude": 51.0486,
            "longitude": 3.7273,
            "online": False,
        },
        "translations": [
            {
                "language": "NL",
                "name": "Robots bouwen 1",
                "description": "<p>Bouw een <strong>robot</strong>.</p><p>Voor 6 tot 12 jaar.</p>",
                "descriptionText": "Bouw een robot.\n\nVoor 6 tot 12 jaar.",
                "statusReason": "Zaal in renovatie",
            },
            {
                "language": "FR",
                "name": "Construire des robots 1",
                "description": "<p>Construis un robot.</p>",
                "descriptionText": "Construis un robot.",
                "statusReason": None,
            },
        ],
        "academy": {"name": "[DEMO] Academy 1"},
    }


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (["FR"], ("FR", "Construire des robots 1", "Construis un robot.", "Inscris-toi")),
        # English it has not: its main language, and the summary in the language asked
        (
            ["EN"],
            ("NL", "Robots bouwen 1", "Bouw een robot.\n\nVoor 6 tot 12 jaar.", "Schrijf je in"),
        ),
        (
            ["DE", "FR", "NL"],
            ("FR", "Construire des robots 1", "Construis un robot.", "Inscris-toi"),
        ),
    ],
)
async def test_languages_pick_the_texts_with_the_main_language_as_fallback(
    gateway: httpx.AsyncClient,
    partner_key: str,
    languages: list[str],
    expected: tuple[str, str, str, str],
) -> None:
    query = """query($languages: [Language!]) { activity(id: "act-1", languages: $languages) {
        language name descriptionText booking { urlLabel } statusReason calendarSummary } }"""

    found = (await ask(gateway, {"X-API-Key": partner_key}, query, languages=languages))["activity"]

    assert (found["language"], found["name"], found["descriptionText"]) == expected[:3]
    assert found["booking"]["urlLabel"] == expected[3]
    assert found["statusReason"] == "Zaal in renovatie"  # only in Dutch: the fallback
    summaries = {"FR": "mar 2 avr 2024, 15:00-17:00", "EN": "Tue 2 Apr 2024, 15:00-17:00"}
    assert found["calendarSummary"] == summaries.get(languages[0], "Di 2 Apr 2024, 15:00-17:00")


async def test_the_calendar_lists_pages_in_the_language_asked(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    query = """{ activities(first: 3, filter: {academyId: "acad-1"}, languages: [FR]) {
        nodes { id name language } } }"""

    nodes = (await ask(gateway, {"X-API-Key": partner_key}, query))["activities"]["nodes"]

    assert nodes[0] == {"id": "act-1", "name": "Construire des robots 1", "language": "FR"}
    assert nodes[1]["language"] is None  # an activity without details: no language known


async def test_an_activity_without_details_answers_empty_details(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    data = await ask(gateway, {"X-API-Key": partner_key}, PAGE, id="act-4")
    found = data["activity"]

    assert found["name"] == "Robots bouwen 4"
    assert (found["description"], found["booking"], found["price"], found["organizer"]) == (
        None,
        None,
        None,
        None,
    )
    assert (found["images"], found["translations"], found["languages"]) == ([], [], [])
    assert found["calendarSummary"] == "di 2 apr 2024, 15:00"


async def test_a_weekly_course_summary(gateway: httpx.AsyncClient, partner_key: str) -> None:
    query = """{ activity(id: "act-2", languages: [EN]) { calendarSummary } }"""

    found = (await ask(gateway, {"X-API-Key": partner_key}, query))["activity"]

    assert found["calendarSummary"] == "from 4 Sep 2024 to 30 Oct 2024, Wed 14:00-16:00"


async def test_a_partner_sees_only_a_listed_activity_by_id_ops_see_every_one(
    gateway: httpx.AsyncClient,
    partner_key: str,
    ops_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "gateway.graphql_api.query.listed", lambda read: read.activity_id != "act-7"
    )
    query = '{ a: activity(id: "act-7") { id } b: activity(id: "act-1") { id } }'

    partner = await ask(gateway, {"X-API-Key": partner_key}, query)
    ops = await ask(gateway, {"Authorization": f"Bearer {ops_token}"}, query)

    assert partner == {"a": None, "b": {"id": "act-1"}}
    assert ops == {"a": {"id": "act-7"}, "b": {"id": "act-1"}}


def read(**changes: Any) -> ActivityRead:
    base: dict[str, Any] = {"activity_id": "a", "name": "n", "academy_id": "acad-1"}
    return ActivityRead.model_validate(base | changes)


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({}, True),
        ({"audience": "members"}, True),
        ({"academy_id": None}, False),  # its organizer is linked to no academy (issue 15)
        ({"public": False}, False),  # a draft
        ({"workflow_status": "DELETED"}, False),
        ({"workflow_status": "REJECTED"}, False),
        ({"audience": "education"}, False),  # school-only
        # the activities service's answer wins: it knows its STEM labels (ADR 0013)
        ({"academy_id": None, "listed": True}, True),
        ({"listed": False}, False),
    ],
)
def test_the_listing_rule(changes: dict[str, Any], shown: bool) -> None:
    assert listed(read(**changes)) is shown


ACADEMY = """query($on: Date) { academy(id: "acad-1") {
    name recognition(on: $on) { status recognised validFrom validUntil }
    roles(year: 2024) } }"""


async def test_an_academy_s_recognition_in_force_and_roles_of_a_year(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    key = {"X-API-Key": partner_key}

    during = (await ask(gateway, key, ACADEMY, on="2024-06-01"))["academy"]
    after = (await ask(gateway, key, ACADEMY, on="2026-01-01"))["academy"]

    assert during == {
        "name": "[DEMO] Academy 1",
        "recognition": {
            "status": "RECOGNISED",
            "recognised": True,
            "validFrom": "2023-01-01",
            "validUntil": "2025-12-31",
        },
        "roles": ["ONTWIKKELAAR", "UITROLLER"],
    }
    assert after["recognition"] == {
        "status": None,
        "recognised": False,
        "validFrom": None,
        "validUntil": None,
    }


async def test_recognition_of_a_page_of_academies_is_one_registry_call(
    gateway: httpx.AsyncClient, partner_key: str, calls: Counter[str]
) -> None:
    query = """{ academies(first: 3) { nodes { id recognition(on: "2024-06-01") { recognised }
        roles(year: 2024) } } }"""

    nodes = (await ask(gateway, {"X-API-Key": partner_key}, query))["academies"]["nodes"]

    assert [(n["id"], n["recognition"]["recognised"], n["roles"]) for n in nodes] == [
        ("acad-0", False, []),
        ("acad-1", True, ["ONTWIKKELAAR", "UITROLLER"]),
        ("acad-2", False, []),
    ]
    # the page, then one standing batch per (day, year) asked: recognition on 1 June 2024,
    # roles of 2024 as of today; each for the three academies at once
    assert calls["registry"] == 3


async def test_academies_recognised_today(
    gateway: httpx.AsyncClient, partner_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "{ academies(first: 10, recognised: true) { nodes { id } } }"
    key = {"X-API-Key": partner_key}

    monkeypatch.setattr("gateway.partner_api.partner.brussels_today", lambda: date(2024, 6, 1))
    recognised = (await ask(gateway, key, query))["academies"]["nodes"]
    monkeypatch.setattr("gateway.partner_api.partner.brussels_today", lambda: date(2026, 6, 1))
    later = (await ask(gateway, key, query))["academies"]["nodes"]
    everyone = await ask(gateway, key, "{ academies(first: 10) { nodes { id } } }")

    assert recognised == [{"id": "acad-1"}]
    assert later == []
    assert len(everyone["academies"]["nodes"]) == 3
