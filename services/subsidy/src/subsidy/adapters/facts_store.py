"""Loading the stored activity copies back as facts (for recomputing an academy's reach)."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters.orm import activities, activity_occurrences
from subsidy.domain.reach import ActivityFacts, OccurrenceFacts


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
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    o = activity_occurrences.c
    occurrences: dict[str, list[OccurrenceFacts]] = defaultdict(list)
    found = await session.execute(
        select(o.activity_id, o.day, o.status, o.nis_code)
        .where(o.activity_id.in_([r.activity_id for r in rows]))
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
        )
        for r in rows
    ]
