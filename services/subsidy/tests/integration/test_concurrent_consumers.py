"""Two consumers changing the same reach at once (PostgreSQL, where they really run in parallel).

Activities are keyed by their own id in Kafka, so two activities of one academy can be
handled at the same time by two consumer instances; the reach row lock must keep exactly
one ReachChanged per flip. (SQLite has one writer and the embedded setup one consumer.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox
from subsidy.adapters.orm import activities
from subsidy.adapters.reach_of_academies import reach_of

Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]
Sessions = async_sessionmaker[AsyncSession]


async def reached_flags(sessions: Sessions) -> list[bool]:
    async with sessions() as session:
        rows = await session.execute(select(outbox.c.envelope).order_by(outbox.c.seq))
        return [json.loads(envelope)["data"]["reached"] for (envelope,) in rows]


@pytest.mark.usefixtures("recognised")  # reach needs a recognition in force (issue 15)
async def test_parallel_changes_of_one_reach_give_one_event_per_flip(
    database_url: str,
    sessions: Sessions,
    deliver: Deliver,
    published: EventFactory,
    withdrawn: EventFactory,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has a single writer: no parallel consumers to race")
    ids = [f"act-{n}" for n in range(4)]
    for _ in range(5):
        await asyncio.gather(*(deliver(published(i)) for i in ids))
        await asyncio.gather(*(deliver(withdrawn(i)) for i in ids))
        async with sessions() as session:
            assert await reach_of(session, ["acad-1"]) == []
        assert await reached_flags(sessions) == [True, False]
        async with sessions.begin() as session:
            # Start the next round from scratch (the withdrawals left tombstones).
            await session.execute(delete(outbox))
            await session.execute(delete(activities))
