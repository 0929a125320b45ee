"""Registry events: municipalities and academy organizers, before and after activities."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityWithdrawn
from stemkit.contracts.registry import AcademyRegistered, MunicipalityDefined
from stemkit.eventing import CloudEvent

Post = Callable[..., Awaitable[httpx.Response]]
Events = Callable[[], Awaitable[list[CloudEvent]]]
Deliver = Callable[[Any], Awaitable[None]]
LoadEvent = Callable[[str], dict[str, Any]]

EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"
ORGANIZER_ID = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
ACADEMY_ID = "7d0c2a8e-9d61-4f4b-9a63-1f2f3f4e5a6b"
UPDATED = "be.vlaio.stem.activity.updated.v1"


def dated(document: dict[str, Any]) -> dict[str, Any]:
    """The optional-fields document has no date (quarantined as it is): give it one."""
    return {**document, "calendarType": "single", "startDate": "2025-04-25T10:00:00+02:00"}


def municipality(nis_code: str, name: str, *postal_codes: str) -> MunicipalityDefined:
    return MunicipalityDefined(
        nis_code=nis_code,
        name_nl=name,
        province_nl="Vlaams-Brabant",
        valid_from=date(2019, 1, 1),
        postal_codes=list(postal_codes),
    )


ACADEMY = AcademyRegistered(
    academy_id=ACADEMY_ID, name="STEM-academie Leuven", uit_organizer_ids=[ORGANIZER_ID.upper()]
)


async def stored(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(f"/activities/{EVENT_ID}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_a_known_municipality_is_resolved_on_arrival(
    deliver: Deliver, post_document: Post, load_event: LoadEvent, client: httpx.AsyncClient
) -> None:
    await deliver(municipality("24062", "Leuven", "3000", "3001"))
    await post_document(load_event("original"))

    assert (await stored(client))["location"]["nis_code"] == "24062"


async def test_a_municipality_defined_later_updates_stored_activities(
    deliver: Deliver,
    post_document: Post,
    load_event: LoadEvent,
    outbox_events: Events,
    client: httpx.AsyncClient,
) -> None:
    await post_document(load_event("original"))
    assert (await stored(client))["location"]["nis_code"] is None

    await deliver(municipality("24062", "Leuven", "3000"))
    await deliver(municipality("24062", "Leuven", "3000"))  # redelivered: nothing new

    events = await outbox_events()
    assert [e.type for e in events[1:]] == [UPDATED]
    assert events[1].data["location"]["nis_code"] == "24062"
    assert (await stored(client))["location"]["nis_code"] == "24062"


async def test_a_shared_postal_code_is_decided_by_the_locality(
    deliver: Deliver, post_document: Post, load_event: LoadEvent, client: httpx.AsyncClient
) -> None:
    await deliver(municipality("23088", "Vilvoorde", "1800", "1804"))
    await deliver(municipality("23096", "Zemst", "1980", "1804"))
    document = load_event("original")
    document["location"]["address"]["nl"] |= {"postalCode": "1804", "addressLocality": "Zemst"}
    await post_document(document)

    assert (await stored(client))["location"]["nis_code"] == "23096"


async def test_an_academy_registered_later_links_its_organizers_activities(
    deliver: Deliver,
    post_document: Post,
    load_event: LoadEvent,
    outbox_events: Events,
    client: httpx.AsyncClient,
) -> None:
    await post_document(dated(load_event("original-with-optional-fields")))
    await post_document(
        load_event("original")
        | {"@id": "https://io.uitdatabank.be/events/00000000-0000-0000-0000-0000000000aa"}
    )
    assert (await stored(client))["academy_id"] is None

    await deliver(ACADEMY)
    await deliver(ACADEMY)  # redelivered: nothing new

    events = await outbox_events()
    assert [(e.type, e.subject) for e in events[2:]] == [(UPDATED, EVENT_ID)]
    assert events[2].data["academy_id"] == ACADEMY_ID
    assert (await stored(client))["academy_id"] == ACADEMY_ID


async def test_a_known_academy_is_linked_on_arrival(
    deliver: Deliver, post_document: Post, load_event: LoadEvent, outbox_events: Events
) -> None:
    await deliver(ACADEMY)
    await post_document(dated(load_event("original-with-optional-fields")))

    events = await outbox_events()
    assert [e.data["academy_id"] for e in events] == [ACADEMY_ID]


async def test_events_of_other_types_are_ignored(deliver: Deliver, outbox_events: Events) -> None:
    withdrawn = ActivityWithdrawn(activity_id=EVENT_ID, reason="test", modified="2025-01-01T00:00Z")
    assert CATALOG.for_payload(withdrawn).name != UPDATED

    await deliver(withdrawn)

    assert await outbox_events() == []


LEUVEN_SQUARE = {  # a box around Leuven's centre (WGS84 longitude, latitude)
    "type": "Polygon",
    "coordinates": [[[4.65, 50.85], [4.75, 50.85], [4.75, 50.91], [4.65, 50.91], [4.65, 50.85]]],
}


def placed(document: dict[str, Any], **address: str | None) -> dict[str, Any]:
    """The document's place with coordinates in Leuven and the address fields given."""
    location = dict(document["location"])
    location["geo"] = {"latitude": 50.8863, "longitude": 4.7063}
    location["address"] = {"nl": {k: v for k, v in address.items() if v is not None}}
    return {**document, "location": location}


async def test_coordinates_resolve_by_the_boundary_and_a_boundary_defined_later_relinks(
    deliver: Deliver,
    post_document: Post,
    load_event: LoadEvent,
    outbox_events: Events,
    client: httpx.AsyncClient,
) -> None:
    # Only coordinates (no postal code): unresolved until a boundary holds the point.
    await post_document(placed(load_event("original"), addressCountry="BE"))
    location = (await stored(client))["location"]
    assert location["nis_code"] is None
    assert location["unresolved_reason"] == "only coordinates: no municipality boundaries known yet"

    leuven = municipality("24062", "Leuven").model_copy(update={"boundary": LEUVEN_SQUARE})
    await deliver(leuven)

    events = await outbox_events()
    assert [e.type for e in events[1:]] == [UPDATED]
    location = (await stored(client))["location"]
    assert location["nis_code"] == "24062"
    assert location["unresolved_reason"] is None


async def test_a_point_outside_every_boundary_falls_back_to_the_postal_code(
    deliver: Deliver, post_document: Post, load_event: LoadEvent, client: httpx.AsyncClient
) -> None:
    elsewhere = {
        "type": "Polygon",
        "coordinates": [[[3.0, 51.0], [3.1, 51.0], [3.1, 51.1], [3.0, 51.1], [3.0, 51.0]]],
    }
    await deliver(municipality("44021", "Gent").model_copy(update={"boundary": elsewhere}))
    await deliver(municipality("24062", "Leuven", "3000"))
    document = placed(
        load_event("original"), addressCountry="BE", postalCode="3000", addressLocality="Leuven"
    )
    await post_document(document)

    assert (await stored(client))["location"]["nis_code"] == "24062"


async def test_a_session_that_changes_the_copy_never_reads_its_old_lookups(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # The worker remembers lookups for a whole batch (one session); a session that
    # writes the copy (several registry events in one transaction) must see its writes.
    from activities.adapters import registry_copy
    from activities.domain.municipalities import Municipality

    async with sessions.begin() as session:
        assert await registry_copy.academy_of_organizer(session, "org-1") is None
        assert await registry_copy.municipalities_with_postal_code(session, "3000") == []

        await registry_copy.link_organizers(session, ACADEMY_ID, ["org-1"])
        leuven = Municipality("24062", "Leuven", date(2019, 1, 1), None, "Vlaams-Brabant")
        await registry_copy.save_municipality(session, leuven, ["3000"])

        assert await registry_copy.academy_of_organizer(session, "org-1") == ACADEMY_ID
        found = await registry_copy.municipalities_with_postal_code(session, "3000")
        assert [m.nis_code for m in found] == ["24062"]

        await registry_copy.link_organizers(session, ACADEMY_ID, [])
        assert await registry_copy.academy_of_organizer(session, "org-1") is None
