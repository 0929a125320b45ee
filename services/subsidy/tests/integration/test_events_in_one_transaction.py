"""Many events in one transaction (how the consumer applies a chunk, `stemkit.eventing.consumer`)
leave the same state and the same outbox as one transaction per event.

The same story is told twice, for two academies, on one database: once an event per
transaction, once all events in one transaction. It exercises what the handlers remember
within a transaction (an academy's recognition, the years marked dirty) and what they
no longer read (a new activity's proofs, the proofs after a replacement).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import (
    ActivityPublished,
    ActivityUpdated,
    ActivityWithdrawn,
    Location,
    Occurrence,
)
from stemkit.contracts.registry import RecognitionDecided, RoleAssigned
from stemkit.storage.db import outbox
from subsidy.adapters.orm import activities, dirty_years, reach, reach_evidence
from subsidy.service_layer.handlers import handle_event

Sessions = async_sessionmaker[AsyncSession]


def story(academy: str) -> list[BaseModel]:
    """Activities come and go while the academy's recognition changes under them."""

    def activity(
        n: int, day: str, postal: str, modified: str, *, updated: bool = False
    ) -> BaseModel:
        kind = ActivityUpdated if updated else ActivityPublished
        return kind(
            activity_id=f"{academy}-act-{n}",
            name="Robots bouwen",
            academy_id=academy,
            occurrences=[Occurrence(start=datetime.fromisoformat(f"{day}T14:00:00+01:00"))],
            location=Location(name="De Krook", nis_code="44021", postal_code=postal),
            modified=datetime.fromisoformat(f"{modified}T10:00:00+00:00"),
        )

    def decision(n: int, status: str, valid_from: date) -> RecognitionDecided:
        return RecognitionDecided.model_validate(
            {
                "academy_id": academy,
                "decision_id": f"{academy}-d{n}",
                "status": status,
                "decided_on": valid_from,
                "valid_from": valid_from,
                "reason": "test",
                "author": "test",
            }
        )

    return [
        RoleAssigned(academy_id=academy, year=2023, role="uitroller"),
        decision(1, "recognised", date(2021, 1, 1)),
        activity(1, "2023-03-04", "9000", "2023-02-01"),
        activity(2, "2023-03-05", "9050", "2023-02-01"),
        activity(4, "2023-03-06", "9000", "2023-02-01"),
        activity(2, "2023-03-05", "9051", "2023-02-02", updated=True),  # postal code changed
        decision(2, "suspended", date(2023, 1, 1)),  # nothing in 2023 proves reach any more
        activity(3, "2023-05-01", "9000", "2023-02-01"),  # the suspension is seen
        decision(3, "recognised", date(2023, 4, 1)),  # May proves again, March does not
        activity(1, "2023-06-01", "9000", "2023-02-03", updated=True),  # moved into June
        activity(1, "2023-03-04", "9000", "2023-02-01"),  # an older version: ignored
        activity(5, "2023-06-02", "9050", "2023-02-01"),
        ActivityWithdrawn(
            activity_id=f"{academy}-act-3",
            reason="deleted",
            modified=datetime.fromisoformat("2023-05-01T10:00:00+00:00"),
        ),
    ]


async def state(sessions: Sessions, academy: str) -> dict[str, Any]:
    """Everything the story left for `academy`, its name taken out."""

    def plain(value: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(json.dumps(value, default=str).replace(academy, "A"))
        return found

    async with sessions() as session:
        e, r, a = reach_evidence.c, reach.c, activities.c
        evidence = await session.execute(
            select(e.year, e.nis_code, e.postal_code, e.activity_id)
            .where(e.academy_id == academy)
            .order_by(e.activity_id, e.postal_code)
        )
        reached = await session.execute(
            select(r.year, r.nis_code, r.reached).where(r.academy_id == academy)
        )
        stored = await session.execute(
            select(a.activity_id, a.modified, a.withdrawn, a.postal_code)
            .where(a.activity_id.startswith(academy))
            .order_by(a.activity_id)
        )
        envelopes = await session.scalars(select(outbox.c.envelope).order_by(outbox.c.seq))
        events = [json.loads(envelope)["data"] for envelope in envelopes]
    return plain(
        {
            "evidence": [list(row) for row in evidence],
            "reach": sorted(list(row) for row in reached),
            "activities": [list(row) for row in stored],
            "events": [data for data in events if data["academy_id"] == academy],
        }
    )


async def test_one_transaction_for_all_events_equals_one_per_event(sessions: Sessions) -> None:
    for payload in story("one"):
        async with sessions.begin() as session:
            await handle_event(session, CATALOG.new_event(payload, source="/test"))
    async with sessions.begin() as session:
        for payload in story("all"):
            await handle_event(session, CATALOG.new_event(payload, source="/test"))

    one, together = await state(sessions, "one"), await state(sessions, "all")
    assert together == one
    # the story did what it says: reach came, went and came back, postal codes changed
    assert [(e["reached"], e["activity_ids"], e["postal_codes"]) for e in one["events"]] == [
        (True, ["A-act-1"], ["9000"]),
        (True, ["A-act-1", "A-act-2"], ["9000", "9050"]),
        (True, ["A-act-1", "A-act-2", "A-act-4"], ["9000", "9051"]),
        (True, ["A-act-4"], ["9000"]),  # suspended: the activities lose their proofs
        (False, [], []),
        (True, ["A-act-3"], ["9000"]),  # recognised again from April
        (True, ["A-act-1", "A-act-3", "A-act-5"], ["9000", "9050"]),
    ]
    assert [row[3] for row in one["evidence"]] == ["A-act-1", "A-act-5"]
    async with sessions() as session:
        assert list(await session.scalars(select(dirty_years.c.year))) == [2023]
