"""Reading and writing activities and webhook deliveries (SQLAlchemy Core, async)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.orm import activities, webhook_deliveries
from activities.adapters.snapshots import from_snapshot, to_snapshot
from activities.domain.model import Activity


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT, for PostgreSQL and SQLite alike."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _columns(activity: Activity) -> dict[str, Any]:
    return {
        "snapshot": to_snapshot(activity).model_dump(mode="json"),
        "organizer_id": activity.organizer_id,
        "postal_code": activity.location.postal_code,
        "modified": activity.modified,
        "updated_at": datetime.now(UTC),
    }


async def lock_activity(session: AsyncSession, activity_id: str) -> Activity | None:
    """The stored activity, locked until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway), so concurrent deliveries of one activity take turns."""
    row = await session.scalar(
        select(activities.c.snapshot)
        .where(activities.c.activity_id == activity_id)
        .with_for_update()
    )
    return None if row is None else from_snapshot(row)


async def insert_activity(session: AsyncSession, activity: Activity) -> bool:
    """Insert a new activity; False when another transaction inserted it first."""
    statement: Insert = (
        dialect_insert(session, activities)
        .values(activity_id=activity.activity_id, **_columns(activity))
        .on_conflict_do_nothing(index_elements=["activity_id"])
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def update_activity(session: AsyncSession, activity: Activity) -> None:
    await session.execute(
        update(activities)
        .where(activities.c.activity_id == activity.activity_id)
        .values(**_columns(activity))
    )


async def get_activities(session: AsyncSession, activity_ids: Collection[str]) -> list[Activity]:
    rows = await session.scalars(
        select(activities.c.snapshot)
        .where(activities.c.activity_id.in_(list(activity_ids)))
        .order_by(activities.c.activity_id)
    )
    return [from_snapshot(row) for row in rows]


async def activity_ids_where(
    session: AsyncSession,
    *,
    organizer_ids: Collection[str] = (),
    postal_codes: Collection[str] = (),
) -> list[str]:
    """Ids of activities of these organizers or at these postal codes (for re-linking)."""
    condition = activities.c.organizer_id.in_(list(organizer_ids)) | activities.c.postal_code.in_(
        list(postal_codes)
    )
    rows = await session.scalars(
        select(activities.c.activity_id).where(condition).order_by(activities.c.activity_id)
    )
    return list(rows)


async def record_delivery(session: AsyncSession, webhook_id: str, body: str) -> bool:
    """Store a delivery as received; False when this webhook-id was stored before."""
    statement = (
        dialect_insert(session, webhook_deliveries)
        .values(webhook_id=webhook_id, received_at=datetime.now(UTC), body=body, status="received")
        .on_conflict_do_nothing(index_elements=["webhook_id"])
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def finish_delivery(
    session: AsyncSession,
    webhook_id: str,
    *,
    activity_id: str | None = None,
    error: str | None = None,
) -> None:
    await session.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.webhook_id == webhook_id)
        .values(
            status="failed" if error else "processed",
            error=error,
            activity_id=activity_id,
            processed_at=datetime.now(UTC),
        )
    )


async def delivery_status(session: AsyncSession, webhook_id: str) -> str | None:
    return await session.scalar(
        select(webhook_deliveries.c.status).where(webhook_deliveries.c.webhook_id == webhook_id)
    )
