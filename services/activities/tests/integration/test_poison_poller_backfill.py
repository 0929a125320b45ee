"""Poison items in the poller and the backfill (issue 14): whatever one search result or
document raises is charged to that item (recorded, then quarantined with its reason by
the worker), while the rest of the page, the cursor and the other kinds go on."""

from __future__ import annotations

import asyncio
import copy
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import poll_state
from activities.adapters.orm import webhook_deliveries
from activities.adapters.uit_client import AnswerTooLarge
from activities.service_layer import poller
from activities.service_layer.backfill import backfill, documents
from stemkit.contracts.registry import AcademyRegistered
from stemkit.domain.uit import resource_id as real_resource_id

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uitdatabank"
ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
BASE = "https://search.test"
Deliver = Callable[[Any], Awaitable[None]]
Drain = Callable[[], Awaitable[list[str]]]
Load = Callable[[str], dict[str, Any]]
START = datetime(2025, 5, 1, 12, tzinfo=UTC)


class Searcher:
    """The Search API as the poller sees it (our own port): one page per kind; a kind in
    `failing` raises; `fail_first` calls raise whatever the kind."""

    def __init__(self) -> None:
        self.pages: dict[str, list[Any]] = {}
        self.failing: set[str] = set()
        self.fail_first = 0
        self.calls = 0

    async def search(self, url: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        self.calls += 1
        kind = url.rsplit("/", 1)[-1].removesuffix("s")
        if self.calls <= self.fail_first or kind in self.failing:
            raise RuntimeError(f"search {kind} broke")
        members = self.pages.get(kind, []) if params["start"] == "0" else []
        return {"totalItems": len(members), "member": members}


def event(load_event: Load, n: int) -> dict[str, Any]:
    document = copy.deepcopy(load_event("original"))
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{ORGANIZER}"}
    document["modified"] = (START + timedelta(seconds=n)).isoformat()
    return document


async def stored(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(
            select(webhook_deliveries.c.webhook_id, webhook_deliveries.c.status)
        )
        return {row.webhook_id: row.status for row in rows}


def last_success(kind: str) -> float | None:
    return REGISTRY.get_sample_value("stem_poller_last_success_timestamp_seconds", {"kind": kind})


async def test_a_poison_search_result_is_recorded_and_the_page_and_cursor_go_on(
    sessions: async_sessionmaker[AsyncSession],
    deliver: Deliver,
    load_event: Load,
    drain: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await deliver(AcademyRegistered(academy_id="a" * 8, name="A", uit_organizer_ids=[ORGANIZER]))
    poison = event(load_event, 3)

    def resource_id(value: Any, kind: str) -> str | None:
        if value == poison["@id"]:
            raise UnicodeError("a bug while reading this one @id")
        return real_resource_id(value, kind)

    monkeypatch.setattr("activities.service_layer.poller.resource_id", resource_id)
    searcher = Searcher()
    searcher.pages["event"] = [
        event(load_event, 1),
        "not an object",
        {"@id": 42, "modified": "2025-05-01T12:00:04+00:00"},
        poison,
        event(load_event, 5),
    ]

    found = await poller.poll_all(sessions, searcher, BASE)

    assert found["event"] == 5  # every member recorded, the poison ones too
    async with sessions() as session:
        assert await poll_state.cursor(session, "event") == START + timedelta(seconds=5)
    outcomes = Counter(await drain())
    # The two readable events and the one the poller could not key become activities;
    # the string and the object without an id are quarantined with the reason.
    assert outcomes == Counter(processed=3, quarantined=2)
    again = await poller.poll_all(sessions, searcher, BASE)  # the overlap re-reads them
    assert again == {"event": 0, "place": 0, "organizer": 0}


async def test_a_kind_whose_search_fails_does_not_stop_the_others(
    sessions: async_sessionmaker[AsyncSession], deliver: Deliver, load_event: Load
) -> None:
    await deliver(AcademyRegistered(academy_id="a" * 8, name="A", uit_organizer_ids=[ORGANIZER]))
    searcher = Searcher()
    searcher.pages["event"] = [event(load_event, 1)]
    searcher.failing.add("organizer")
    organizers_before = last_success("organizer")
    before = time.time()

    found = await poller.poll_all(sessions, searcher, BASE)

    assert found == {"event": 1, "place": 0}  # no places in scope yet: an empty round
    assert before <= (last_success("event") or 0) <= time.time()
    assert last_success("organizer") == organizers_before  # never set by a failed round


async def test_a_failing_round_does_not_stop_the_poller(
    sessions: async_sessionmaker[AsyncSession], deliver: Deliver, load_event: Load
) -> None:
    await deliver(AcademyRegistered(academy_id="a" * 8, name="A", uit_organizer_ids=[ORGANIZER]))
    searcher = Searcher()
    searcher.pages["event"] = [event(load_event, 1)]
    searcher.fail_first = 3  # every search of the first round
    stop = asyncio.Event()
    task = asyncio.create_task(
        poller.run_poller(
            sessions,
            searcher,
            BASE,
            stop,
            interval=0.05,
            overlap=timedelta(0),
            page_size=200,
        )
    )
    try:
        for _ in range(200):
            if any(key.startswith("poll:event:") for key in await stored(sessions)):
                break
            await asyncio.sleep(0.05)
        assert any(key.startswith("poll:event:") for key in await stored(sessions))
        assert not task.done()
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_the_backfill_quarantines_what_it_cannot_store_or_decode_and_goes_on(
    sessions: async_sessionmaker[AsyncSession], uit: Any, tmp_path: Path
) -> None:
    good = [line.encode() for line in documents(FIXTURES / "places")[:2]]
    good = [b" ".join(line.split()) for line in good]  # one line each
    nul = good[0].replace(b'"nl"', b'"n\x00l"', 1)  # PostgreSQL refuses NUL in text
    latin1 = b'{"@id": "https://io.uitdatabank.be/place/x", "name": {"nl": "caf\xe9"}}'
    path = tmp_path / "documents.jsonl"
    path.write_bytes(b"\n".join([good[0], nul, latin1, good[1], b""]))

    outcomes = await backfill(sessions, uit, documents(path))

    assert outcomes == Counter(processed=2, quarantined=2)
    statuses = Counter((await stored(sessions)).values())
    assert statuses == Counter(processed=2, quarantined=2)


class SizedSearcher:
    """The Search API with a size limit: a page of more than `max_members` members is too
    large, and so is the member at each start in `huge` however it is asked."""

    def __init__(self, members: list[Any], max_members: int, huge: set[int]) -> None:
        self.members, self.max_members, self.huge = members, max_members, huge
        self.limits: list[int] = []

    async def search(self, url: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        start, limit = int(params["start"]), int(params["limit"])
        self.limits.append(limit)
        page = self.members[start : start + limit]
        if len(page) > self.max_members or self.huge & set(range(start, start + len(page))):
            raise AnswerTooLarge(f"GET {url}: the answer is over 1000 bytes")
        return {"totalItems": len(self.members), "member": page}


async def test_a_page_over_the_size_limit_is_asked_in_halves_and_a_huge_member_quarantined(
    sessions: async_sessionmaker[AsyncSession], load_event: Load
) -> None:
    members = [event(load_event, n) for n in range(1, 13)]
    searcher = SizedSearcher(members, max_members=3, huge={6})

    found = await poller.poll_kind(
        sessions,
        searcher,
        BASE,
        "event",
        [{"organizerId": ORGANIZER}],
        overlap=timedelta(0),
        page_size=10,
    )

    assert found == 12  # 11 events and the one too large to read
    assert searcher.limits[:3] == [10, 5, 2]
    statuses = await stored(sessions)
    assert Counter(statuses.values()) == Counter(received=11, quarantined=1)
    [huge] = [key for key, status in statuses.items() if status == "quarantined"]
    assert huge.startswith("poll:event:too-large:")
    async with sessions() as session:
        assert await poll_state.cursor(session, "event") == START + timedelta(seconds=12)
