"""The UiTdatabank stand-in (its Search API rules), and the poller and the thin
notification fetch against it."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.uit_client import UitClient
from activities.service_layer import poller, processing
from stemkit.contracts.registry import AcademyRegistered
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_OPS_TOKEN
from tools.uitdatabank_standin.app import create_standin
from tools.uitdatabank_standin.notify import notification
from tools.uitdatabank_standin.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uitdatabank"
ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
BASE = "http://uit.test"
Deliver = Callable[[Any], Awaitable[None]]
Events = Callable[[], Awaitable[list[CloudEvent]]]
Load = Callable[[str], dict[str, Any]]


@pytest.fixture
def store() -> Store:
    return Store.from_folder(FIXTURES)


@pytest.fixture
async def standin(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(create_standin(store))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


@pytest.fixture
def uit_client(standin: httpx.AsyncClient) -> UitClient:
    return UitClient(standin, backoff=0.01, hosts=["uit.test"], allow_http=True)


def event(load_event: Load, n: int, modified: datetime) -> dict[str, Any]:
    document = copy.deepcopy(load_event("original"))
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{ORGANIZER}"}
    document["modified"] = modified.isoformat()
    return document


async def test_the_standin_keeps_search_api_limits_and_defaults(
    standin: httpx.AsyncClient,
) -> None:
    assert (await standin.get("/events", params={"limit": 2001})).status_code == 400
    assert (await standin.get("/events", params={"start": 10001})).status_code == 400
    # Every fixture is DRAFT: hidden by the default filters, seen without them.
    assert (await standin.get("/events")).json()["totalItems"] == 0
    page = (await standin.get("/events", params={"disableDefaultFilters": "true"})).json()
    assert page["totalItems"] == 1  # 17 documents, one @id: the last one wins
    assert set(page["member"][0]) == {"@id", "@type"}  # not embedded unless asked
    one = "/events/23017CB7-E515-47B4-87C4-780735ACC942"
    assert (await standin.get(one)).status_code == 200
    assert (await standin.get(one.replace("/events/", "/event/"))).status_code == 200
    assert (await standin.get("/events/00000000-0000-4000-8000-000000000000")).status_code == 404


async def test_the_poller_turns_linked_organizers_events_into_activities_once(
    store: Store,
    uit_client: UitClient,
    sessions: async_sessionmaker[AsyncSession],
    deliver: Deliver,
    load_event: Load,
    outbox_events: Events,
) -> None:
    await deliver(AcademyRegistered(academy_id="a" * 8, name="A", uit_organizer_ids=[ORGANIZER]))
    now = datetime(2025, 5, 1, 12, tzinfo=UTC)
    store.put(event(load_event, 1, now))
    store.put(event(load_event, 2, now + timedelta(seconds=1)) | {"organizer": None})

    found = await poller.poll_all(sessions, uit_client, BASE)
    await processing.drain(sessions, uit_client)
    again = await poller.poll_all(sessions, uit_client, BASE)  # the overlap re-reads
    third = await poller.poll_all(sessions, uit_client, BASE)

    assert found == {"event": 1, "place": 0, "organizer": 1}  # other organizers: out of scope
    assert again == {"event": 0, "place": 1, "organizer": 0}  # its place is now in scope
    assert third == {"event": 0, "place": 0, "organizer": 0}
    published = [e for e in await outbox_events() if e.type.endswith("published.v1")]
    assert [e.subject for e in published] == ["00000000-0000-4000-8000-000000000001"]

    store.put(event(load_event, 1, now + timedelta(hours=1)) | {"name": {"nl": "Nieuw"}})
    assert (await poller.poll_all(sessions, uit_client, BASE))["event"] == 1


async def test_the_poller_moves_its_window_before_the_start_limit(
    store: Store,
    uit_client: UitClient,
    sessions: async_sessionmaker[AsyncSession],
    deliver: Deliver,
    load_event: Load,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(poller, "MAX_START", 20)  # the real one is 10,000
    await deliver(AcademyRegistered(academy_id="a" * 8, name="A", uit_organizer_ids=[ORGANIZER]))
    start = datetime(2025, 5, 1, 12, tzinfo=UTC)
    for n in range(1, 46):
        store.put(event(load_event, n, start + timedelta(seconds=n)))

    found = await poller.poll_kind(
        sessions,
        uit_client,
        BASE,
        "event",
        [{"organizerId": ORGANIZER}],
        overlap=timedelta(0),
        page_size=10,
    )

    assert found == 45


async def test_a_thin_notification_is_fetched_from_the_standin(
    post_document: Callable[..., Awaitable[httpx.Response]],
    uit_client: UitClient,
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    outbox_events: Events,
) -> None:
    item = "23017cb7-e515-47b4-87c4-780735acc942"
    await post_document(notification(BASE, "event", item), process=False)

    assert len(await processing.drain(sessions, uit_client)) == 1
    assert [e.subject for e in await outbox_events()] == [item]

    store.gone[item] = 410
    await post_document(notification(BASE, "event", item), process=False)
    await processing.drain(sessions, uit_client)
    assert (await outbox_events())[-1].type.endswith("withdrawn.v1")


async def test_an_iri_on_another_host_is_quarantined_unfetched(
    post_document: Callable[..., Awaitable[httpx.Response]],
    uit_client: UitClient,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
) -> None:
    item = "23017cb7-e515-47b4-87c4-780735acc942"
    await post_document(notification("http://169.254.169.254", "event", item), process=False)

    assert len(await processing.drain(sessions, uit_client)) == 1
    page = await client.get("/quarantine", headers={"Authorization": f"Bearer {DEV_OPS_TOKEN}"})
    assert "not an allowed UiTdatabank host" in page.json()["items"][0]["reason"]
