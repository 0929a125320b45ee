"""This service's copy of the activities service's activities: the facts reach is computed
from, and when each was last modified (a stale event is recognised by it).

Works on PostgreSQL and SQLite alike. On PostgreSQL, a row lock (`FOR UPDATE`) serialises
two consumers that change the same activity at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters.orm import activities, activity_occurrences
from subsidy.domain.reach import ActivityFacts

# Built once: building a statement (and its cache key) costs more than sending it.
_a, _o = activities.c, activity_occurrences.c
_LOCK_ACTIVITY = (
    select(_a.modified, _a.withdrawn)
    .where(_a.activity_id == bindparam("activity_id"))
    .with_for_update()
)
_INSERT_ACTIVITY = insert(activities)
_UPDATE_ACTIVITY = update(activities).where(_a.activity_id == bindparam("key"))
_DELETE_OCCURRENCES = delete(activity_occurrences).where(_o.activity_id == bindparam("activity_id"))
_INSERT_OCCURRENCES = insert(activity_occurrences)


@dataclass(frozen=True)
class StoredActivity:
    modified: datetime
    withdrawn: bool


def as_utc(value: datetime) -> datetime:
    # SQLite gives back naive datetimes (stored as UTC); PostgreSQL gives aware ones.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def lock_activity(session: AsyncSession, activity_id: str) -> StoredActivity | None:
    row = (await session.execute(_LOCK_ACTIVITY, {"activity_id": activity_id})).one_or_none()
    return None if row is None else StoredActivity(as_utc(row.modified), row.withdrawn)


async def save_activity(
    session: AsyncSession,
    facts: ActivityFacts,
    *,
    modified: datetime,
    exists: bool,
) -> None:
    """Store the activity's current facts and its occurrences (replacing the old)."""
    values = {
        "academy_id": facts.academy_id,
        "nis_code": facts.nis_code,
        "postal_code": facts.postal_code,
        "public": facts.public,
        "status": facts.status,
        "withdrawn": facts.withdrawn,
        "modified": modified.astimezone(UTC),
        "theme_ids": json.dumps(list(facts.theme_ids)),
        "age_min": facts.age_min,
        "age_max": facts.age_max,
        "audience": facts.audience,
    }
    if exists:
        await session.execute(_UPDATE_ACTIVITY, {"key": facts.activity_id, **values})
        await session.execute(_DELETE_OCCURRENCES, {"activity_id": facts.activity_id})
    else:
        # A concurrent first insert of the same activity fails here with a key conflict;
        # the consumer retries the event, which then finds the row and locks it.
        await session.execute(_INSERT_ACTIVITY, {"activity_id": facts.activity_id, **values})
    if facts.occurrences:
        await session.execute(
            _INSERT_OCCURRENCES,
            [
                {
                    "activity_id": facts.activity_id,
                    "seq": n,
                    "day": o.day,
                    "status": o.status,
                    "nis_code": o.nis_code,
                }
                for n, o in enumerate(facts.occurrences)
            ],
        )


async def themes_and_ages(
    session: AsyncSession, activity_ids: list[str]
) -> list[tuple[list[str], int | None, int | None]]:
    """Theme ids, lowest and highest age of each activity asked (in chunks: bounded IN lists)."""
    a = activities.c
    found: list[tuple[list[str], int | None, int | None]] = []
    for start in range(0, len(activity_ids), 1000):
        rows = await session.execute(
            select(a.theme_ids, a.age_min, a.age_max).where(
                a.activity_id.in_(activity_ids[start : start + 1000])
            )
        )
        found += [(json.loads(t or "[]"), low, high) for t, low, high in rows]
    return found
