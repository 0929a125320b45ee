"""A school-only activity (UiT audienceType education) proves no reach for subsidy (issue 15,
parameter stem/reach/education_only_counts); the audience is kept, so a later recognition
decision re-evaluates it the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityPublished, Location, Occurrence
from stemkit.contracts.registry import RecognitionDecided
from stemkit.eventing import CloudEvent
from subsidy.adapters.reach_of_academies import reach_of

Audience = Literal["everyone", "members", "education"]
Deliver = Callable[[CloudEvent], Awaitable[None]]


def _activity(activity_id: str, audience: Audience, postal_code: str) -> CloudEvent:
    payload = ActivityPublished(
        activity_id=activity_id,
        name="Robots bouwen",
        academy_id="acad-1",
        occurrences=[Occurrence(start=datetime.fromisoformat("2023-03-04T14:00:00+01:00"))],
        location=Location(name="School", nis_code="44021", postal_code=postal_code),
        audience=audience,
        modified=datetime.fromisoformat("2023-02-01T10:00:00+00:00"),
    )
    return CATALOG.new_event(payload, source="/stem/activities")


@pytest.mark.usefixtures("recognised")
async def test_a_school_only_activity_proves_no_reach(
    sessions: async_sessionmaker[AsyncSession], deliver: Deliver
) -> None:
    await deliver(_activity("klas", "education", "9000"))
    await deliver(_activity("open", "everyone", "9050"))
    renewed = RecognitionDecided(  # re-evaluates every activity from the stored copies
        academy_id="acad-1",
        decision_id="renewal",
        status="renewed",
        decided_on=datetime(2023, 1, 1).date(),
        valid_from=datetime(2023, 1, 1).date(),
        valid_until=None,
        reason="test",
        author="test",
    )
    await deliver(CATALOG.new_event(renewed, source="/stem/registry"))
    async with sessions() as session:
        (reach,) = await reach_of(session, ["acad-1"], 2023)
    assert reach.activity_ids == ["open"] and reach.postal_codes == ["9050"]
