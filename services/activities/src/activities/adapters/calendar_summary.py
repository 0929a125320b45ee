"""The reads behind the STEM-kalender's yearly figures: the listed activities' sessions
starting in a period, and the themes of some activities. Read-only, apart from the
listing's hot path."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.orm import activities, activity_occurrences, activity_themes


async def listed_sessions(session: AsyncSession, start: datetime, end: datetime) -> list[Any]:
    """Rows of (activity_id, academy_id, age_min, age_max, start), one per session of a
    listed activity starting from `start` up to (not including) `end`."""
    a, o = activities.c, activity_occurrences.c
    occurring = (
        select(a.activity_id, a.academy_id, a.age_min, a.age_max, o.start)
        .join(activity_occurrences, o.activity_id == a.activity_id)
        .where(a.listed.is_(True), o.start >= start, o.start < end)
    )
    return list((await session.execute(occurring)).all())


async def themes_of(session: AsyncSession, ids: Sequence[str]) -> dict[str, list[str]]:
    """Each activity's theme ids (those without any left out), in chunks of 1,000 ids."""
    t = activity_themes.c
    themes: dict[str, list[str]] = {}
    for chunk in range(0, len(ids), 1000):
        found = await session.execute(
            select(t.activity_id, t.theme_id).where(t.activity_id.in_(ids[chunk : chunk + 1000]))
        )
        for activity_id, theme_id in found:
            themes.setdefault(activity_id, []).append(theme_id)
    return themes
