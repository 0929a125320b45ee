"""The activity copy (`activity_copy.py`) read back as facts: for recomputing an academy's
reach, and for the reach counted apart."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters.orm import activities, activity_occurrences, reach_evidence
from subsidy.domain.reach import ActivityFacts, OccurrenceFacts
from subsidy.domain.trajecten import Traject


async def activities_in_year(session: AsyncSession, year: int) -> list[ActivityFacts]:
    """The activities of some academy with a session in `year`, still on the STEM-kalender
    (each with all its occurrences), in id order."""
    o = activity_occurrences.c
    held = (
        select(o.activity_id)
        .where(o.day >= date(year, 1, 1), o.day <= date(year, 12, 31))
        .distinct()
    )
    a = activities.c
    query = (
        select(activities)
        .where(a.activity_id.in_(held), a.academy_id.is_not(None), a.withdrawn.is_(False))
        .order_by(a.activity_id)
    )
    return await _with_occurrences(session, (await session.execute(query)).all())


def _trajecten(which: Any) -> Any:
    """Per activity matching `which`: its held sessions (distinct days not cancelled),
    first and last (`domain.trajecten`)."""
    o, a = activity_occurrences.c, activities.c
    held = case((or_(o.status.is_(None), o.status != "unavailable"), o.day))
    return (
        select(
            a.activity_id,
            a.academy_id,
            func.count(held.distinct()),
            func.min(held),
            func.max(held),
        )
        .join(activity_occurrences, o.activity_id == a.activity_id)
        .where(which, a.status != "unavailable")
        .group_by(a.activity_id, a.academy_id)
    )


def _traject(row: Any) -> Traject:
    return Traject(row[0], row[1], int(row[2]), row[3], row[4])


async def trajecten_proving(session: AsyncSession, year: int) -> dict[str, Traject]:
    """Each activity proving reach in `year`, as a traject candidate over the whole
    traject. Co-organisers are not in the copy (UiT names one organizer), so none."""
    proving = select(reach_evidence.c.activity_id).where(reach_evidence.c.year == year)
    rows = await session.execute(_trajecten(activities.c.activity_id.in_(proving)))
    return {r[0]: _traject(r) for r in rows}


async def trajecten_of(session: AsyncSession, activity_ids: Iterable[str]) -> dict[str, Traject]:
    """The activities as traject candidates (as `trajecten_proving`), by id."""
    ids = sorted(set(activity_ids))
    found: dict[str, Traject] = {}
    for start in range(0, len(ids), 1000):  # bounded IN lists
        chunk = activities.c.activity_id.in_(ids[start : start + 1000])
        found |= {r[0]: _traject(r) for r in await session.execute(_trajecten(chunk))}
    return found


async def activities_of(
    session: AsyncSession, academy_id: str, *, lock: bool = False
) -> list[ActivityFacts]:
    """The academy's activities still on the STEM-kalender, in id order (locked if asked)."""
    a = activities.c
    query = (
        select(activities)
        .where(a.academy_id == academy_id, a.withdrawn.is_(False))
        .order_by(a.activity_id)
    )
    if lock:
        query = query.with_for_update()
    return await _with_occurrences(session, (await session.execute(query)).all())


async def _with_occurrences(session: AsyncSession, rows: Sequence[Row[Any]]) -> list[ActivityFacts]:
    if not rows:
        return []
    o = activity_occurrences.c
    occurrences: dict[str, list[OccurrenceFacts]] = defaultdict(list)
    ids = [r.activity_id for r in rows]
    for start in range(0, len(ids), 1000):  # bounded IN lists
        found = await session.execute(
            select(o.activity_id, o.day, o.status, o.nis_code)
            .where(o.activity_id.in_(ids[start : start + 1000]))
            .order_by(o.activity_id, o.seq)
        )
        for occ in found:
            occurrences[occ.activity_id].append(OccurrenceFacts(occ.day, occ.status, occ.nis_code))
    return [
        ActivityFacts(
            activity_id=r.activity_id,
            academy_id=r.academy_id,
            nis_code=r.nis_code,
            postal_code=r.postal_code,
            public=r.public,
            status=r.status,
            withdrawn=r.withdrawn,
            occurrences=tuple(occurrences[r.activity_id]),
            theme_ids=tuple(json.loads(r.theme_ids or "[]")),
            age_min=r.age_min,
            age_max=r.age_max,
            audience=r.audience,
        )
        for r in rows
    ]
