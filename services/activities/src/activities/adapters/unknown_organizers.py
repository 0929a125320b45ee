"""Organizers whose activities arrive but that no academy is linked to: per organizer its
stored activities, their deliveries and when one last arrived, the last seen first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.orm import activities, organizers
from activities.adapters.orm import webhook_deliveries as deliveries


async def unknown_organizers_of(session: AsyncSession, limit: int) -> list[Any]:
    """Rows of (organizer_id, activities, deliveries, last_seen, name)."""
    a, d = activities.c, deliveries.c
    per_activity = (
        select(
            d.activity_id,
            func.count().label("deliveries"),
            func.max(d.received_at).label("received"),
        )
        .group_by(d.activity_id)
        .subquery()
    )
    last_seen = func.max(func.coalesce(per_activity.c.received, a.updated_at))
    query = (
        select(
            a.organizer_id,
            func.count(a.activity_id).label("activities"),
            func.coalesce(func.sum(per_activity.c.deliveries), 0).label("deliveries"),
            last_seen.label("last_seen"),
            func.max(organizers.c.name).label("name"),
        )
        .outerjoin(per_activity, per_activity.c.activity_id == a.activity_id)
        .outerjoin(organizers, organizers.c.organizer_id == a.organizer_id)
        .where(a.organizer_id.is_not(None), a.academy_id.is_(None))
        .group_by(a.organizer_id)
        .order_by(last_seen.desc(), a.organizer_id)
        .limit(limit)
    )
    return list((await session.execute(query)).all())
