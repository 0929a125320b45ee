"""Activity events -> reach, evidence and ReachChanged in the outbox (real databases)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox
from subsidy.adapters.reach_of_academies import ReachView, reach_of

# Reach for subsidy needs a recognition in force (issue 15): acad-1 and acad-2 have one.
pytestmark = pytest.mark.usefixtures("recognised")

Sessions = async_sessionmaker[AsyncSession]

Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]


async def outboxed(sessions: Sessions) -> list[dict[str, Any]]:
    """The ReachChanged payloads in the outbox, in publish order."""
    async with sessions() as session:
        rows = await session.execute(select(outbox).order_by(outbox.c.seq))
        events = [json.loads(row.envelope) for row in rows]
    assert all(e["type"] == "be.vlaio.stem.reach.changed.v1" for e in events)
    return [e["data"] for e in events]


async def reach(sessions: Sessions, *academies: str) -> list[ReachView]:
    async with sessions() as session:
        return await reach_of(session, list(academies or ["acad-1"]))


async def test_published_activity_reaches_its_municipality(
    sessions: Sessions, deliver: Deliver, published: EventFactory
) -> None:
    await deliver(published())

    assert await reach(sessions) == [
        ReachView(
            academy_id="acad-1",
            year=2023,
            nis_code="44021",
            activity_ids=["act-1"],
            postal_codes=["9000"],
        )
    ]
    assert await outboxed(sessions) == [
        {
            "academy_id": "acad-1",
            "year": 2023,
            "nis_code": "44021",
            "reached": True,
            "activity_ids": ["act-1"],
            "postal_codes": ["9000"],
        }
    ]


async def test_the_same_content_again_adds_no_event(
    sessions: Sessions, deliver: Deliver, published: EventFactory
) -> None:
    await deliver(published())
    await deliver(published(updated=True))  # a new event id, the same state

    assert len(await outboxed(sessions)) == 1
    assert len(await reach(sessions)) == 1


async def test_withdrawn_activity_takes_its_reach_away(
    sessions: Sessions, deliver: Deliver, published: EventFactory, withdrawn: EventFactory
) -> None:
    await deliver(published())
    await deliver(withdrawn())

    assert await reach(sessions) == []
    events = await outboxed(sessions)
    assert [e["reached"] for e in events] == [True, False]
    assert events[1]["activity_ids"] == []


async def test_older_modified_is_ignored(
    sessions: Sessions, deliver: Deliver, published: EventFactory, withdrawn: EventFactory
) -> None:
    await deliver(published(modified="2023-02-01T10:00:00+00:00"))
    late = published(nis_code="11002", modified="2023-01-01T10:00:00+00:00", updated=True)
    await deliver(late)
    await deliver(withdrawn(modified="2023-01-15T10:00:00+00:00"))

    assert [r.nis_code for r in await reach(sessions)] == ["44021"]
    assert len(await outboxed(sessions)) == 1


async def test_a_late_publish_cannot_revive_a_withdrawn_activity(
    sessions: Sessions, deliver: Deliver, published: EventFactory, withdrawn: EventFactory
) -> None:
    await deliver(withdrawn(modified="2023-05-01T10:00:00+00:00"))
    await deliver(published(modified="2023-02-01T10:00:00+00:00"))

    assert await reach(sessions) == []
    assert await outboxed(sessions) == []


async def test_reach_stays_while_another_activity_proves_it(
    sessions: Sessions, deliver: Deliver, published: EventFactory, withdrawn: EventFactory
) -> None:
    await deliver(published("act-1"))
    await deliver(published("act-2"))
    assert (await reach(sessions))[0].activity_ids == ["act-1", "act-2"]

    await deliver(withdrawn("act-1"))
    assert (await reach(sessions))[0].activity_ids == ["act-2"]
    assert [e["reached"] for e in await outboxed(sessions)] == [True]

    await deliver(withdrawn("act-2"))
    assert [e["reached"] for e in await outboxed(sessions)] == [True, False]


async def test_moving_an_activity_flips_both_municipalities(
    sessions: Sessions, deliver: Deliver, published: EventFactory
) -> None:
    await deliver(published(starts=("2022-06-01T10:00:00+02:00",)))
    moved = published(
        nis_code="11002",
        starts=("2022-06-01T10:00:00+02:00",),
        modified="2023-03-01T10:00:00+00:00",
        updated=True,
    )
    await deliver(moved)

    assert [(r.year, r.nis_code) for r in await reach(sessions)] == [(2022, "11002")]
    changed = [(e["nis_code"], e["reached"]) for e in await outboxed(sessions)]
    assert changed == [("44021", True), ("11002", True), ("44021", False)]


async def test_unusable_activities_prove_nothing(
    sessions: Sessions, deliver: Deliver, published: EventFactory
) -> None:
    await deliver(published("no-academy", academy_id=None))
    await deliver(published("no-place", nis_code=None))
    await deliver(published("private", public=False))

    assert await reach(sessions) == []
    assert await outboxed(sessions) == []
