"""Issue 21: an academy's activities that prove no reach here, and why. Sessions whose place
has no Flemish municipality (no address, unknown postal code, outside Flanders) and
quarantined deliveries of the academy's organizers, from real UiTdatabank documents; only
that academy's, for ops (the gateway) only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from stemkit.contracts.registry import AcademyRegistered, MunicipalityDefined
from stemkit.settings import DEV_OPS_TOKEN

Post = Callable[..., Awaitable[httpx.Response]]
Deliver = Callable[[Any], Awaitable[None]]
Load = Callable[[str], dict[str, Any]]
OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
ACADEMY, OTHER = "acad-codeclub", "acad-robotclub"
ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
OTHERS_ORGANIZER = "9a9a9a9a-0000-4000-8000-0000000000aa"
NIL_PLACE = "https://io.uitdatabank.be/places/00000000-0000-0000-0000-000000000000"


def event_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def event(load: Load, n: int, organizer: str, *, postal: str, locality: str) -> dict[str, Any]:
    """The real 'original' document, on a 2024 date, at this address, of this organizer."""
    document = load("original")
    document["@id"] = f"https://io.uitdatabank.be/events/{event_id(n)}"
    document["name"] = {"nl": f"Robotlab {n}"}
    document["workflowStatus"] = "APPROVED"
    document |= {"startDate": "2024-05-04T10:00:00+02:00", "endDate": "2024-05-04T12:00:00+02:00"}
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{organizer.upper()}"}
    document["location"]["address"]["nl"] |= {"postalCode": postal, "addressLocality": locality}
    return document


async def test_sessions_without_a_flemish_municipality_with_their_reason(
    client: httpx.AsyncClient,
    post_document: Post,
    deliver: Deliver,
    load_event: Load,
    municipality: Callable[..., MunicipalityDefined],
) -> None:
    await deliver(municipality("24062", "Leuven", "3000"))
    await deliver(AcademyRegistered(academy_id=ACADEMY, name="A", uit_organizer_ids=[ORGANIZER]))
    await deliver(
        AcademyRegistered(academy_id=OTHER, name="B", uit_organizer_ids=[OTHERS_ORGANIZER])
    )
    await post_document(event(load_event, 1, ORGANIZER, postal="3000", locality="Leuven"))
    await post_document(event(load_event, 2, ORGANIZER, postal="9999", locality="Nergens"))
    await post_document(event(load_event, 3, ORGANIZER, postal="1000", locality="Brussel"))
    online = event(load_event, 4, ORGANIZER, postal="3000", locality="Leuven")
    online["location"] = {"@id": NIL_PLACE}
    online["attendanceMode"] = "online"
    await post_document(online)
    abroad = event(load_event, 5, ORGANIZER, postal="4811", locality="Breda")
    abroad["location"]["address"]["nl"]["addressCountry"] = "NL"
    await post_document(abroad)
    await post_document(event(load_event, 6, OTHERS_ORGANIZER, postal="9999", locality="X"))

    path = "/not-counted/without-municipality"
    assert (await client.get(path, params={"academy_id": ACADEMY})).status_code == 403
    answer = await client.get(path, params={"academy_id": ACADEMY, "year": 2024}, headers=OPS)
    assert answer.status_code == 200, answer.text
    found = {item["activity_id"][-1]: item for item in answer.json()["items"]}
    assert {n: item["reason"] for n, item in found.items()} == {
        "2": "unknown_postal_code",
        "3": "outside_flanders",
        "4": "no_address",
        "5": "outside_flanders",
    }
    assert found["2"]["name"] == "Robotlab 2" and found["2"]["organizer_id"] == ORGANIZER
    assert found["2"]["postal_code"] == "9999" and found["2"]["sessions"] == 1
    assert found["2"]["detail"] == "postal code 9999 is not known"
    assert answer.json()["next_after"] is None
    # Another year has none of them; pages follow the activity id.
    other_year: dict[str, str | int] = {"academy_id": ACADEMY, "year": 2023}
    assert (await client.get(path, params=other_year, headers=OPS)).json()["items"] == []
    first = (await client.get(path, params={"academy_id": ACADEMY, "limit": 2}, headers=OPS)).json()
    assert [i["activity_id"][-1] for i in first["items"]] == ["2", "3"]
    rest = await client.get(
        path, params={"academy_id": ACADEMY, "after": first["next_after"]}, headers=OPS
    )
    assert [i["activity_id"][-1] for i in rest.json()["items"]] == ["4", "5"]


async def test_quarantined_deliveries_of_the_academys_organizers_with_their_reason(
    client: httpx.AsyncClient,
    post_document: Post,
    deliver: Deliver,
    load_event: Load,
    uit: Any,
) -> None:
    await deliver(AcademyRegistered(academy_id=ACADEMY, name="A", uit_organizer_ids=[ORGANIZER]))
    await deliver(
        AcademyRegistered(academy_id=OTHER, name="B", uit_organizer_ids=[OTHERS_ORGANIZER])
    )
    # A whole event of the academy's organizer that cannot be an activity (no date at all).
    dateless = event(load_event, 1, ORGANIZER, postal="3000", locality="Leuven")
    for key in ("startDate", "endDate", "calendarType", "subEvent", "availableTo"):
        dateless.pop(key, None)
    dateless["calendarType"] = "single"
    await post_document(dateless)
    # The same for another academy's organizer: not this academy's.
    others = event(load_event, 2, OTHERS_ORGANIZER, postal="3000", locality="Leuven")
    others["calendarType"] = "single"
    for key in ("startDate", "endDate"):
        others.pop(key)
    await post_document(others)
    # A thin notification of an event stored before, whose new version has no name: the
    # notification names no organizer, the stored version does.
    stored = event(load_event, 3, ORGANIZER, postal="3000", locality="Leuven")
    await post_document(stored)
    iri = f"https://io.uitdatabank.be/events/{event_id(3)}"
    nameless = dict(stored, modified="2030-01-01T00:00:00+00:00")
    nameless.pop("name")
    uit.documents[iri] = nameless
    notification = {
        "id": event_id(3),
        "playhead": 7,
        "payload": {"item_id": event_id(3), "iri": iri},
        "recorded_on": "2030-01-01T00:00:00+00:00",
    }
    await post_document(notification)

    path = "/not-counted/quarantined"
    assert (await client.get(path, params={"academy_id": ACADEMY})).status_code == 403
    answer = await client.get(path, params={"academy_id": ACADEMY}, headers=OPS)
    assert answer.status_code == 200, answer.text
    items = sorted(answer.json()["items"], key=lambda i: i["item_id"])
    assert [(i["item_id"], i["kind"], i["organizer_id"]) for i in items] == [
        (event_id(1), "event", ORGANIZER),
        (event_id(3), "event", ORGANIZER),
    ]
    assert items[0]["name"] == "Robotlab 1" and items[1]["name"] is None
    assert all(i["reason"] and i["webhook_id"] for i in items), items
    assert "has no name" in items[1]["reason"]
    assert "body" not in items[0]  # the raw document stays on /quarantine
    others_page = await client.get(path, params={"academy_id": OTHER}, headers=OPS)
    assert [i["item_id"] for i in others_page.json()["items"]] == [event_id(2)]
    nobody = await client.get(path, params={"academy_id": "acad-unknown"}, headers=OPS)
    assert nobody.json() == {"items": [], "next_after": None}
    # Bounded pages: one delivery examined per page, the academy's found across pages.
    seen: list[str] = []
    after: str | None = None
    for _ in range(10):
        params: dict[str, str | int] = {"academy_id": ACADEMY, "limit": 1}
        if after:
            params["after"] = after
        page = (await client.get(path, params=params, headers=OPS)).json()
        seen += [i["item_id"] for i in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert sorted(seen) == [event_id(1), event_id(3)]
