"""A periodic activity event carries its compact calendar; the consumer expands it into the
days its sessions are held and reach follows each year (issue 15, item 1; real database)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityPublished, Calendar, Location, Occurrence
from stemkit.eventing import CloudEvent
from subsidy.adapters.orm import activity_occurrences
from subsidy.adapters.reach_of_academies import reach_of
from subsidy.service_layer.reach import SOURCE

pytestmark = pytest.mark.usefixtures("recognised")

Sessions = async_sessionmaker[AsyncSession]
Deliver = Callable[[CloudEvent], Awaitable[None]]


def weekly_course() -> CloudEvent:
    payload = ActivityPublished(
        activity_id="course-1",
        name="Robotica-lessenreeks",
        academy_id="acad-1",
        # The period as one range, as the activities service publishes it...
        occurrences=[
            Occurrence(
                start=datetime.fromisoformat("2022-09-01T00:00:00+02:00"),
                end=datetime.fromisoformat("2023-06-30T23:59:00+02:00"),
            )
        ],
        # ... and the rules the sessions come from.
        calendar=Calendar.model_validate(
            {
                "type": "periodic",
                "period": {"first": "2022-09-01", "last": "2023-06-30"},
                "opening_hours": [
                    {"day_of_week": ["wednesday"], "opens": "14:00", "closes": "16:00"}
                ],
                "closed_days": [{"first": "2022-12-28", "last": "2022-12-28"}],
            }
        ),
        location=Location(name="De Krook", nis_code="44021", postal_code="9000"),
        modified=datetime.fromisoformat("2022-08-01T10:00:00+00:00"),
    )
    return CATALOG.new_event(payload, source=SOURCE)


async def test_a_weekly_course_across_new_year_reaches_both_years(
    sessions: Sessions, deliver: Deliver
) -> None:
    await deliver(weekly_course())

    async with sessions() as session:
        reached = await reach_of(session, ["acad-1"])
        days = (await session.execute(select(activity_occurrences.c.day))).scalars().all()
    assert [(r.year, r.nis_code, r.activity_ids) for r in reached] == [
        (2022, "44021", ["course-1"]),
        (2023, "44021", ["course-1"]),
    ]
    # The session days are the subsidy's copy: 16 Wednesdays in 2022 (one closed), 26 in 2023.
    assert sum(d.year == 2022 for d in days) == 16
    assert sum(d.year == 2023 for d in days) == 26
    assert all(d.weekday() == 2 for d in days)
