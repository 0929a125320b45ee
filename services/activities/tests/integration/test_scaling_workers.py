"""Two of every activities process on one PostgreSQL database (issue 19, ADR 0018): two
delivery workers claim disjoint batches and never wait for each other in a lock cycle, a
failing delivery does not make its batch run the good ones twice, and of two pollers
only the one holding the lease polls."""

from __future__ import annotations

import asyncio
import copy
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import activity_store, delivery_store, leases, place_store
from activities.adapters.orm import webhook_deliveries
from activities.adapters.uit_client import Fetched
from activities.bootstrap import migrate
from activities.config import Settings
from activities.domain.documents import Document
from activities.service_layer import (
    catalogue,
    containment,
    ingestion,
    poller,
    preparing,
    processing,
    settling,
)
from activities.service_layer.ingestion import Ingested
from stemkit.storage.db import open_database

pytestmark = pytest.mark.postgres

Load = Callable[[str], dict[str, Any]]
EVENT = "https://io.uitdatabank.be/event/00000000-0000-4000-8000-{:012d}"
PLACE = "https://io.uitdatabank.be/place/00000000-0000-4000-9000-{:012d}"


@pytest.fixture
def pg_url(pg_database_url: str) -> str:
    # A plain (not async) fixture: Alembic runs its own event loop, outside the test's.
    migrate(Settings(database_url=pg_database_url))
    return pg_database_url


@pytest.fixture
async def pg_sessions(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    database = open_database(pg_url)
    yield database.session_factory
    await database.dispose()


def event(load_event: Load, n: int) -> dict[str, Any]:
    document = copy.deepcopy(load_event("original"))
    document["@id"] = EVENT.format(n)
    return document


def place(load_place: Load, n: int) -> dict[str, Any]:
    document = copy.deepcopy(load_place("original-with-period"))
    document["@id"] = PLACE.format(n)
    return document


async def stored(
    sessions: async_sessionmaker[AsyncSession], webhook_id: str, body: Any
) -> delivery_store.Delivery:
    async with sessions.begin() as session:
        assert await delivery_store.record(session, webhook_id, json.dumps(body), "webhook")
    async with sessions() as session:
        row = (
            await session.execute(
                select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
            )
        ).one()
    return delivery_store.Delivery(
        webhook_id=row.webhook_id, body=row.body, attempts=row.attempts, status=row.status
    )


async def prepared(
    sessions: async_sessionmaker[AsyncSession], webhook_id: str, body: dict[str, Any]
) -> preparing.Prepared:
    return await preparing.prepare(NoFetch(), await stored(sessions, webhook_id, body))


class NoFetch:
    async def fetch(self, iri: str) -> Fetched:
        raise AssertionError(f"nothing to fetch: {iri}")


class SlowUiT:
    """The Entry API, a little slow, counting fetches per IRI."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents
        self.fetched: Counter[str] = Counter()

    async def fetch(self, iri: str) -> Fetched:
        self.fetched[iri] += 1
        await asyncio.sleep(0.2)
        return Fetched(document=self.documents[iri])


async def test_two_workers_claim_disjoint_batches(
    pg_sessions: async_sessionmaker[AsyncSession], load_event: Load
) -> None:
    documents = {EVENT.format(n): event(load_event, n) for n in range(12)}
    for n, iri in enumerate(documents):
        item_id = iri.rsplit("/", 1)[1]
        await stored(pg_sessions, f"msg_{n}", {"payload": {"item_id": item_id, "iri": iri}})
    uit = SlowUiT(documents)

    async def worker(name: str) -> list[str]:
        outcomes: list[str] = []
        while found := await processing.drain(pg_sessions, uit, batch=4, worker=name):
            outcomes += found
        return outcomes

    first, second = await asyncio.gather(worker("worker-a"), worker("worker-b"))

    assert "skipped" not in first + second  # before: the second worker fetched and skipped
    assert sorted(first + second) == ["processed"] * 12
    assert first and second  # both did work
    assert set(uit.fetched.values()) == {1}  # every notification fetched once
    async with pg_sessions() as session:
        assert await delivery_store.count(session, delivery_store.PROCESSED) == 12


async def test_crossing_batches_neither_deadlock_nor_wait_for_each_other(
    pg_sessions: async_sessionmaker[AsyncSession],
    load_place: Load,
    load_event: Load,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers' batches with the same places and event in opposite orders: before,
    each wrote its first place, then waited for the other's (a deadlock PostgreSQL broke
    after a second, and the losing batch was settled again one delivery at a time). Now
    the second finds the items held and leaves those deliveries for a later round at once
    (under load, waiting for a long batch ran into the statement timeout)."""
    save = place_store.save_place

    async def slow_save(session: AsyncSession, found: Any) -> bool:
        changed = await save(session, found)
        await asyncio.sleep(0.4)  # both batches hold their first place now
        return changed

    monkeypatch.setattr(place_store, "save_place", slow_save)
    settled_alone: list[str] = []
    alone = containment.settle_alone

    async def spy(sessions: Any, one: preparing.Prepared, worker: str | None = None) -> str:
        settled_alone.append(one.delivery.webhook_id)
        return await alone(sessions, one, worker)

    monkeypatch.setattr(containment, "settle_alone", spy)
    p, q = place(load_place, 1), place(load_place, 2)
    first = [
        await prepared(pg_sessions, "a_p", p),
        await prepared(pg_sessions, "a_e", event(load_event, 1)),
        await prepared(pg_sessions, "a_q", q),
    ]
    second = [
        await prepared(pg_sessions, "b_q", q),
        await prepared(pg_sessions, "b_e", event(load_event, 1)),
        await prepared(pg_sessions, "b_p", p),
    ]

    async def settled(batch: list[preparing.Prepared], after: float) -> tuple[list[str], float]:
        await asyncio.sleep(after)  # the first batch holds its items by then
        began = asyncio.get_running_loop().time()
        outcomes = await containment.settle_batch(pg_sessions, batch)
        return outcomes, asyncio.get_running_loop().time() - began

    (one, _), (two, second_took) = await asyncio.gather(settled(first, 0), settled(second, 0.2))

    assert (one, two) == (["processed"] * 3, [settling.BUSY] * 3)
    assert second_took < 0.5  # not waiting for the first batch's 0.8 s of saves
    assert settled_alone == []
    # A later round settles them (the first batch has committed).
    assert await containment.settle_batch(pg_sessions, second) == ["processed"] * 3
    async with pg_sessions() as session:
        assert await delivery_store.count(session, delivery_store.PROCESSED) == 6


async def test_a_failing_delivery_does_not_run_the_good_ones_of_its_batch_twice(
    pg_sessions: async_sessionmaker[AsyncSession],
    load_event: Load,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingested: Counter[str] = Counter()
    poison = EVENT.format(2).rsplit("/", 1)[1]
    real = ingestion.ingest

    async def counting(session: AsyncSession, document: Document) -> Ingested:
        ingested[document.item_id] += 1
        done = await real(session, document)  # written, then rolled back for the poison
        if document.item_id == poison:
            raise RuntimeError("a bug that only this document meets")
        return done

    monkeypatch.setattr(settling, "ingest", counting)
    batch = [await prepared(pg_sessions, f"msg_{n}", event(load_event, n)) for n in (1, 2, 3)]

    outcomes = await containment.settle_batch(pg_sessions, batch)

    assert outcomes == ["processed", "retry", "processed"]
    assert ingested == Counter({batch[0].item.item_id: 1, poison: 1, batch[2].item.item_id: 1})  # type: ignore[union-attr]
    async with pg_sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    select(webhook_deliveries.c.webhook_id, webhook_deliveries.c.attempts)
                )
            ).all()
        )
        assert statuses == {"msg_1": 0, "msg_2": 1, "msg_3": 0}
        assert await delivery_store.count(session, delivery_store.PROCESSED) == 2


async def test_of_two_pollers_only_the_lease_holder_polls_and_the_other_takes_over(
    pg_sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds: list[str] = []

    async def poll_all(_sessions: Any, searcher: Any, _base_url: str, **_: Any) -> dict[str, int]:
        rounds.append(searcher)
        await asyncio.sleep(0.05)
        return {}

    monkeypatch.setattr(poller, "poll_all", poll_all)
    # A poller that died holding the lease (killed: it never gave it up).
    async with pg_sessions.begin() as session:
        assert await leases.take(session, poller.POLLER_LEASE, "poller-dead", 1.0)
    stops = {name: asyncio.Event() for name in ("a", "b")}
    tasks = {
        name: asyncio.create_task(
            poller.run_poller(
                pg_sessions,
                name,  # type: ignore[arg-type]  # the searcher tells the rounds apart
                "http://uit.test",
                stops[name],
                interval=0.1,
                overlap=timedelta(0),
                page_size=10,
                holder=f"poller-{name}",
                lease_seconds=1.0,
            )
        )
        for name in ("a", "b")
    }
    try:
        await asyncio.sleep(0.6)
        assert rounds == []  # both stand by while the dead one's lease lasts
        await asyncio.sleep(1.4)
        assert len(set(rounds)) == 1 and len(rounds) >= 5  # then one polls, every interval
        active = rounds[0]
        standby = "b" if active == "a" else "a"

        stops[active].set()  # stopping gives the lease up: the other takes over at once
        await asyncio.wait_for(tasks[active], 5)
        rounds.clear()
        await asyncio.sleep(0.5)
        assert standby in rounds and active not in rounds
    finally:
        for stop in stops.values():
            stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks.values()), 5)
    async with pg_sessions() as session:
        assert await leases.holder_of(session, poller.POLLER_LEASE) is None


@pytest.mark.parametrize("through_duplicate", [False, True])
async def test_a_place_changed_while_another_worker_stores_an_event_there_is_not_lost(
    through_duplicate: bool,
    pg_sessions: async_sessionmaker[AsyncSession],
    load_place: Load,
    load_event: Load,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cluster chaos run (commit 1844265) ended with one activity holding its place's
    older address. One worker stored a new version of the event, moving it to place P and
    reading P's stored (old) address; meanwhile another worker stored P's new address and
    relinked P's activities, not yet seeing the event there (uncommitted), and committed
    first; the event then committed with the old address, and nothing relinks it again.
    An event and its place are different items, so the item locks did not keep the two
    apart. Now an event holds its place's lock shared, and the place delivery (exclusive)
    is busy until the event has committed, so its relink finds the event. Also when the
    event is at a duplicate of the changed place (it reads the canonical one's address)."""

    def place_version(postal_code: str, modified: str) -> dict[str, Any]:
        document = place(load_place, 7)
        document["address"]["nl"]["postalCode"] = postal_code
        document["modified"] = modified
        return document

    def postal_code_of(body: dict[str, Any]) -> str:
        return str(body["address"]["nl"]["postalCode"])

    old = place_version("9403", "2026-01-01T10:00:00+01:00")
    new = place_version("9961", "2026-01-01T11:00:00+01:00")
    assert await containment.settle_batch(
        pg_sessions, [await prepared(pg_sessions, "p_v1", old)]
    ) == ["processed"]
    moved = event(load_event, 7)
    moved["location"]["@id"] = PLACE.format(7)
    if through_duplicate:
        duplicate = place(load_place, 8)
        duplicate["duplicateOf"] = PLACE.format(7)
        assert await containment.settle_batch(
            pg_sessions, [await prepared(pg_sessions, "d_v1", duplicate)]
        ) == ["processed"]
        moved["location"]["@id"] = PLACE.format(8)
    moved["location"]["address"]["nl"]["postalCode"] = postal_code_of(old)  # embedded copy
    activity_id = EVENT.format(7).rsplit("/", 1)[1]

    # The event's worker stops between reading the place and committing.
    read_place, go_on = asyncio.Event(), asyncio.Event()
    store = catalogue.store

    async def paused_store(session: AsyncSession, activity: Any) -> Any:
        if activity.activity_id == activity_id and not go_on.is_set():
            read_place.set()
            await go_on.wait()
        return await store(session, activity)

    monkeypatch.setattr(catalogue, "store", paused_store)
    event_delivery = await prepared(pg_sessions, "e_v2", moved)
    place_delivery = await prepared(pg_sessions, "p_v2", new)

    event_worker = asyncio.ensure_future(containment.settle_batch(pg_sessions, [event_delivery]))
    await asyncio.wait_for(read_place.wait(), 10)
    place_outcomes = await asyncio.wait_for(
        containment.settle_batch(pg_sessions, [place_delivery]), 10
    )
    go_on.set()
    assert await asyncio.wait_for(event_worker, 10) == ["processed"]
    rounds = 0
    while place_outcomes == [settling.BUSY] and rounds < 5:  # a later round takes it
        place_outcomes = await containment.settle_batch(pg_sessions, [place_delivery])
        rounds += 1
    assert place_outcomes == ["processed"]

    async with pg_sessions() as session:
        (activity,) = await activity_store.get_activities(session, [activity_id])
    assert activity.location.postal_code == postal_code_of(new)


async def test_events_of_one_place_do_not_hold_each_other_up_but_its_change_does(
    pg_sessions: async_sessionmaker[AsyncSession],
    load_place: Load,
    load_event: Load,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An event holds its place shared: another worker's event there goes on at once,
    while a change of that place waits (busy) for a later round; and an event at a place
    another worker is changing is busy likewise."""
    at_place = []
    for n in (1, 2, 3):
        document = event(load_event, n)
        document["location"]["@id"] = PLACE.format(7)
        at_place.append(await prepared(pg_sessions, f"e_{n}", document))
    changed = place(load_place, 7)
    changed["modified"] = "2026-01-01T11:00:00+01:00"
    place_delivery = await prepared(pg_sessions, "p_v1", changed)
    holding, go_on = asyncio.Event(), asyncio.Event()
    first_id = EVENT.format(1).rsplit("/", 1)[1]
    store, save = catalogue.store, place_store.save_place

    async def paused_store(session: AsyncSession, activity: Any) -> Any:
        if activity.activity_id == first_id and not go_on.is_set():
            holding.set()
            await go_on.wait()
        return await store(session, activity)

    monkeypatch.setattr(catalogue, "store", paused_store)
    first = asyncio.ensure_future(containment.settle_batch(pg_sessions, at_place[:1]))
    await asyncio.wait_for(holding.wait(), 10)
    assert await containment.settle_batch(pg_sessions, at_place[1:2]) == ["processed"]
    assert await containment.settle_batch(pg_sessions, [place_delivery]) == [settling.BUSY]
    go_on.set()
    assert await asyncio.wait_for(first, 10) == ["processed"]

    async def paused_save(session: AsyncSession, found: Any) -> bool:
        changed = await save(session, found)
        holding.set()
        await go_on.wait()
        return changed

    holding.clear()
    go_on.clear()
    monkeypatch.setattr(place_store, "save_place", paused_save)
    changing = asyncio.ensure_future(containment.settle_batch(pg_sessions, [place_delivery]))
    await asyncio.wait_for(holding.wait(), 10)
    assert await containment.settle_batch(pg_sessions, at_place[2:]) == [settling.BUSY]
    go_on.set()
    assert await asyncio.wait_for(changing, 10) == ["processed"]
    assert await containment.settle_batch(pg_sessions, at_place[2:]) == ["processed"]
