"""The poller's cursor per kind, and the ids that scope its searches."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.orm import academy_organizers, activities, poll_cursors
from activities.adapters.repository import dialect_insert


async def cursor(session: AsyncSession, kind: str) -> datetime | None:
    found = await session.scalar(select(poll_cursors.c.cursor).where(poll_cursors.c.kind == kind))
    if found is not None and found.tzinfo is None:  # SQLite gives naive UTC back
        found = found.replace(tzinfo=UTC)
    return found


async def advance(session: AsyncSession, kind: str, to: datetime) -> None:
    """Move the cursor forward (never back)."""
    current = await cursor(session, kind)
    if current is not None and to <= current:
        return
    values = {"cursor": to, "updated_at": datetime.now(UTC)}
    await session.execute(
        dialect_insert(session, poll_cursors)
        .values(kind=kind, **values)
        .on_conflict_do_update(index_elements=["kind"], set_=values)
    )


async def linked_organizer_ids(session: AsyncSession) -> list[str]:
    """The organizers the registry links to academies: the poller's scope."""
    rows = await session.scalars(
        select(academy_organizers.c.organizer_id).order_by(academy_organizers.c.organizer_id)
    )
    return list(rows)


async def place_ids(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        select(activities.c.place_id)
        .where(activities.c.place_id.is_not(None))
        .distinct()
        .order_by(activities.c.place_id)
    )
    return list(rows)
