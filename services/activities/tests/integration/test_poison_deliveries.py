"""Poison deliveries (issue 14, case 1): whatever one delivery raises is charged to that
delivery alone (retried with backoff, then quarantined with its reason, or quarantined at
once when it can never work), and every other delivery goes on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import delivery_store
from activities.adapters.delivery_store import Delivery
from activities.adapters.orm import webhook_deliveries
from activities.adapters.uit_client import Fetched, FetchFailed, UitClient
from activities.domain import documents
from activities.service_layer import ingestion, preparing, processing, settling
from stemkit.eventing import CloudEvent
from tools.uitdatabank_standin.app import create_standin
from tools.uitdatabank_standin.store import Store

Post = Callable[..., Awaitable[httpx.Response]]
Drain = Callable[[], Awaitable[list[str]]]
Load = Callable[[str], dict[str, Any]]

EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"
POISON_ID = "5d1b6a35-8d4c-4e5a-9d0e-3f1c2b7a9e01"


def notification(iri: str, item_id: str = POISON_ID) -> dict[str, Any]:
    return {"id": "n1", "payload": {"item_id": item_id, "iri": iri}}


@pytest.fixture
async def real_uit() -> AsyncIterator[UitClient]:
    """The real client, on the UiTdatabank stand-in (nothing in it: no fetch is needed)."""
    transport = httpx.ASGITransport(create_standin(Store()))
    async with httpx.AsyncClient(transport=transport) as client:
        yield UitClient(client, backoff=0.01)


@pytest.fixture
async def worker(
    sessions: async_sessionmaker[AsyncSession], real_uit: UitClient
) -> AsyncIterator[None]:
    """The delivery worker running as in the consumer process."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        processing.run_worker(sessions, real_uit, stop, idle=0.05, safety_poll=0.2)
    )
    yield
    stop.set()
    await asyncio.wait_for(task, 10)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def row(sessions: async_sessionmaker[AsyncSession], webhook_id: str) -> Any:
    async with sessions() as session:
        query = select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
        return (await session.execute(query)).one()


async def quarantine(sessions: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with sessions() as session:
        return await delivery_store.quarantined(session, limit=100, after=None)


async def quarantine_holds(sessions: async_sessionmaker[AsyncSession], n: int) -> bool:
    return len(await quarantine(sessions)) == n


async def retries_come_due(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await session.execute(update(webhook_deliveries).values(next_attempt_at=datetime.now(UTC)))


@pytest.mark.usefixtures("worker")
async def test_an_iri_with_an_unparsable_port_costs_that_delivery_alone(
    post_document: Post,
    outbox_events: Callable[[], Awaitable[list[CloudEvent]]],
    load_event: Load,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    poison = notification(f"https://io.uitdatabank.be:abc/event/{POISON_ID}")
    assert (await post_document(poison, process=False, msg_id="msg_poison")).status_code == 202
    assert (await post_document(load_event("original"), process=False)).status_code == 202

    async def visible() -> bool:  # stored, and its published event staged for Kafka
        return [e.subject for e in await outbox_events()] == [EVENT_ID]

    assert await eventually(visible), "the valid document after the poison one never showed"

    assert await eventually(lambda: quarantine_holds(sessions, 1))
    [item] = await quarantine(sessions)
    assert item.webhook_id == "msg_poison"
    assert item.attempts == 0  # permanently invalid: quarantined at once, not retried
    assert "not a valid URL" in (item.error or "") and ":abc" in (item.error or "")


@pytest.mark.usefixtures("worker")
async def test_an_iri_off_the_allow_list_is_quarantined_at_once(
    post_document: Post, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await post_document(
        notification(f"https://evil.example/event/{POISON_ID}"), process=False, msg_id="msg_off"
    )

    assert await eventually(lambda: quarantine_holds(sessions, 1))
    [item] = await quarantine(sessions)
    assert "not an allowed UiTdatabank host" in (item.error or "")


async def test_any_exception_of_a_fetch_is_retried_then_quarantined_with_its_reason(
    post_document: Post,
    load_event: Load,
    drain: Drain,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # The fake Entry API raises KeyError for an IRI it does not hold: an exception no code
    # path knows about.
    unknown = f"https://io.uitdatabank.be/events/{POISON_ID}"
    await post_document(notification(unknown), process=False, msg_id="msg_poison")
    await post_document(load_event("original"), process=False, msg_id="msg_good")

    assert await drain() == ["retry", "processed"]
    assert (await row(sessions, "msg_poison")).attempts == 1
    for _ in range(preparing.MAX_ATTEMPTS - 2):
        await retries_come_due(sessions)
        assert await drain() == ["retry"]
    await retries_come_due(sessions)
    assert await drain() == ["quarantined"]

    poisoned = await row(sessions, "msg_poison")
    assert poisoned.status == "quarantined"
    assert poisoned.error.startswith(f"failed {preparing.MAX_ATTEMPTS} times: KeyError")
    assert (await row(sessions, "msg_good")).status == "processed"


async def test_an_unexpected_exception_while_reading_is_charged_to_that_delivery(
    post_document: Post,
    load_event: Load,
    drain: Drain,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = documents.classify

    def classify(data: Any) -> Any:
        if isinstance(data, dict) and data.get("poison"):
            raise AttributeError("'NoneType' object has no attribute 'get'")
        return real(data)

    monkeypatch.setattr(preparing, "classify", classify)
    await post_document(json.dumps({"poison": True}), process=False, msg_id="msg_poison")
    await post_document(load_event("original"), process=False, msg_id="msg_good")

    assert await drain() == ["retry", "processed"]
    assert "AttributeError" in (await row(sessions, "msg_poison")).error


async def test_a_settle_failure_that_looks_like_an_outage_is_charged_while_the_database_answers(
    post_document: Post,
    load_event: Load,
    drain: Drain,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = ingestion.ingest

    async def failing_on_one(session: Any, item: Any) -> Any:
        if item.item_id == EVENT_ID:  # e.g. a statement timeout on this one document
            raise OperationalError("INSERT ...", {}, Exception("canceling statement"))
        return await real(session, item)

    monkeypatch.setattr(settling, "ingest", failing_on_one)
    other = load_event("original")
    other["@id"] = "https://io.uitdatabank.be/event/00000000-0000-4000-8000-000000000001"
    await post_document(load_event("original"), process=False, msg_id="msg_poison")
    await post_document(other, process=False, msg_id="msg_good")

    assert await drain() == ["retry", "processed"]
    for _ in range(preparing.MAX_ATTEMPTS - 1):
        await retries_come_due(sessions)
        outcomes = await drain()
    assert outcomes == ["quarantined"]
    assert "OperationalError" in (await row(sessions, "msg_poison")).error


class Unreachable:
    """UiTdatabank down: every fetch fails as an outage."""

    async def fetch(self, iri: str) -> Fetched:
        raise FetchFailed(f"GET {iri}: ConnectError after 3 attempts", unreachable=True)


async def test_an_outage_of_uitdatabank_is_waited_out_without_counting_attempts(
    post_document: Post, sessions: async_sessionmaker[AsyncSession]
) -> None:
    iri = f"https://io.uitdatabank.be/events/{POISON_ID}"
    await post_document(notification(iri), process=False, msg_id="msg_waits")

    for _ in range(preparing.MAX_ATTEMPTS + 2):
        assert await processing.drain(sessions, Unreachable()) == ["retry"]
        await retries_come_due(sessions)

    waiting = await row(sessions, "msg_waits")
    assert (waiting.status, waiting.attempts) == ("received", 0)
    # Still unreachable two days on: from then on the attempts count.
    long_ago = datetime.now(UTC) - preparing.MAX_OUTAGE_WAIT - timedelta(minutes=1)
    async with sessions.begin() as session:
        await session.execute(update(webhook_deliveries).values(received_at=long_ago))
    assert await processing.drain(sessions, Unreachable()) == ["retry"]
    assert (await row(sessions, "msg_waits")).attempts == 1


async def test_a_delivery_whose_failure_cannot_even_be_recorded_does_not_hold_up_the_others(
    post_document: Post,
    load_event: Load,
    uit: Any,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = delivery_store.lock_many

    async def lock_many(session: AsyncSession, webhook_ids: list[str], **claim: Any) -> set[str]:
        if "msg_stuck" in webhook_ids:
            raise ValueError("this row cannot be written")
        return await real(session, webhook_ids, **claim)

    monkeypatch.setattr(delivery_store, "lock_many", lock_many)
    other = load_event("original")
    other["@id"] = "https://io.uitdatabank.be/event/00000000-0000-4000-8000-000000000001"
    await post_document(load_event("original"), process=False, msg_id="msg_stuck")
    await post_document(other, process=False, msg_id="msg_good")

    assert await processing.drain(sessions, uit) == ["failed", "processed"]
    assert (await row(sessions, "msg_good")).status == "processed"


class SlowOnce:
    """An Entry API that takes `seconds` to answer for one IRI (the rest is immediate)."""

    def __init__(self, slow_iri: str, seconds: float) -> None:
        self.slow_iri, self.seconds = slow_iri, seconds

    async def fetch(self, iri: str) -> Fetched:
        if iri == self.slow_iri:
            await asyncio.sleep(self.seconds)
        raise FetchFailed(f"GET {iri}: HTTP 500 after 3 attempts")


async def test_a_slow_fetch_does_not_keep_the_rest_of_its_batch_waiting(
    post_document: Post, load_event: Load, sessions: async_sessionmaker[AsyncSession]
) -> None:
    slow = f"https://io.uitdatabank.be/events/{POISON_ID}"
    await post_document(notification(slow), process=False, msg_id="msg_slow")
    await post_document(load_event("original"), process=False, msg_id="msg_good")

    draining = asyncio.create_task(processing.drain(sessions, SlowOnce(slow, 4.0)))
    await asyncio.sleep(processing.SETTLE_EARLY + 1.5)

    assert not draining.done()  # still fetching the slow one
    assert (await row(sessions, "msg_good")).status == "processed"
    assert await draining == ["processed", "retry"]
