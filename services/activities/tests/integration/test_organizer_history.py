"""An organizer linked to an academy later gets its whole history pulled from the Search
API (its own cursor, until caught up), not only what changes after the event cursor
(issue 15, item 6)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.orm import organizer_history
from activities.adapters.uit_client import UitClient
from activities.service_layer import poller, processing
from stemkit.contracts.registry import AcademyRegistered, AcademyUpdated
from tools.uitdatabank_standin.app import create_standin
from tools.uitdatabank_standin.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uitdatabank"
ACADEMY = "7d0c2a8e-9d61-4f4b-9a63-1f2f3f4e5a6b"
FIRST = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"  # linked from the start
LATER = "9a9a9a9a-0000-4000-8000-0000000000aa"  # linked when the cursor is past its events
BASE = "http://uit.test"
Deliver = Callable[[Any], Awaitable[None]]
Load = Callable[[str], dict[str, Any]]


@pytest.fixture
def store() -> Store:
    return Store.from_folder(FIXTURES)


@pytest.fixture
async def uit_client(store: Store) -> AsyncIterator[UitClient]:
    transport = httpx.ASGITransport(create_standin(store))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield UitClient(client, backoff=0.01, hosts=["uit.test"], allow_http=True)


def event(load_event: Load, n: int, organizer: str, modified: datetime) -> dict[str, Any]:
    document = copy.deepcopy(load_event("original"))
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{organizer}"}
    document["workflowStatus"] = "APPROVED"
    document["modified"] = modified.isoformat()
    document.pop("audience", None)
    return document


async def test_an_organizer_linked_later_gets_its_older_events_pulled_and_listed(
    store: Store,
    uit_client: UitClient,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    deliver: Deliver,
    load_event: Load,
) -> None:
    await deliver(AcademyRegistered(academy_id=ACADEMY, name="A", uit_organizer_ids=[FIRST]))
    old = datetime(2023, 3, 1, 12, tzinfo=UTC)
    store.put(event(load_event, 1, LATER, old))  # years before the link
    store.put(event(load_event, 2, LATER, old + timedelta(days=30)))
    store.put(event(load_event, 3, FIRST, datetime(2025, 5, 1, 12, tzinfo=UTC)))
    await poller.poll_all(sessions, uit_client, BASE)  # the event cursor is now past 2023
    await processing.drain(sessions, uit_client)
    listing = await client.get("/activities")
    assert [item["activity_id"][-1] for item in listing.json()["items"]] == ["3"]

    await deliver(AcademyUpdated(academy_id=ACADEMY, name="A", uit_organizer_ids=[FIRST, LATER]))
    async with sessions() as session:
        pending = (
            await session.execute(
                select(organizer_history.c.organizer_id).where(
                    organizer_history.c.caught_up_at.is_(None)
                )
            )
        ).all()
    assert [row.organizer_id for row in pending] == [LATER]  # FIRST's pull is caught up

    found = await poller.poll_all(sessions, uit_client, BASE)
    await processing.drain(sessions, uit_client)

    assert found["event"] == 2  # both older events, by its own cursor
    listing = await client.get("/activities")
    assert sorted(item["activity_id"][-1] for item in listing.json()["items"]) == ["1", "2", "3"]
    async with sessions() as session:
        [done] = (
            await session.execute(
                select(organizer_history).where(organizer_history.c.organizer_id == LATER)
            )
        ).all()
    assert done.caught_up_at is not None  # caught up: only the event cursor from now on
    again = await poller.poll_all(sessions, uit_client, BASE)
    assert again["event"] == 0
