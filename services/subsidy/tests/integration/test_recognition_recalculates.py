"""A recognition decision that changes no reach still marks the academy's years for a new
calculation: every paid line names the decisions in force (issue 15)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.registry import RecognitionDecided
from stemkit.eventing import CloudEvent
from subsidy.adapters.orm import dirty_years

Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]


@pytest.mark.usefixtures("recognised")
async def test_a_renewal_marks_the_reached_years_dirty(
    sessions: async_sessionmaker[AsyncSession], deliver: Deliver, published: EventFactory
) -> None:
    await deliver(published("act-1"))  # 2023, acad-1 (recognised throughout)
    async with sessions.begin() as session:
        await session.execute(delete(dirty_years))
    renewal = RecognitionDecided(
        academy_id="acad-1",
        decision_id="renewal-2023",
        status="renewed",
        decided_on=date(2023, 1, 1),
        valid_from=date(2023, 1, 1),
        valid_until=None,
        reason="renewed",
        author="vlaio",
    )
    await deliver(CATALOG.new_event(renewal, source="/stem/registry"))
    async with sessions() as session:
        assert list(await session.scalars(select(dirty_years.c.year))) == [2023]
