"""Reading and writing municipality follow-ups (SQLAlchemy Core)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import municipality_follow_ups as follow_ups
from registry.domain.follow_up import FollowUp, Reason


def _follow_up(row: Row[Any]) -> FollowUp:
    recorded_at = row.recorded_at
    if recorded_at.tzinfo is None:  # SQLite drops the zone; it was stored in UTC
        recorded_at = recorded_at.replace(tzinfo=UTC)
    return FollowUp(
        nis_code=row.nis_code,
        year=row.year,
        reason=Reason(row.reason),
        explanation=row.explanation,
        initiative=row.initiative,
        no_initiative_reason=row.no_initiative_reason,
        author=row.author,
        recorded_at=recorded_at,
    )


async def get(session: AsyncSession, nis_code: str, year: int) -> FollowUp | None:
    row = (
        await session.execute(
            select(follow_ups).where(follow_ups.c.nis_code == nis_code, follow_ups.c.year == year)
        )
    ).first()
    return _follow_up(row) if row else None


async def put(session: AsyncSession, follow_up: FollowUp) -> None:
    """Store it, replacing the one of the same municipality and year in one statement
    (`INSERT ... ON CONFLICT DO UPDATE`, which PostgreSQL and SQLite both have), so two
    recordings at the same time end with one of them rather than a key conflict."""
    values = {**vars(follow_up), "reason": follow_up.reason.value}
    # Functional, not a speed-up: ON CONFLICT is only in the dialects' own insert constructs.
    dialect = session.get_bind().dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(follow_ups)
    key = ("nis_code", "year")
    await session.execute(
        upsert.values(**values).on_conflict_do_update(
            index_elements=list(key),
            set_={k: v for k, v in values.items() if k not in key},
        )
    )


async def remove(session: AsyncSession, nis_code: str, year: int) -> bool:
    result = await session.execute(
        delete(follow_ups).where(follow_ups.c.nis_code == nis_code, follow_ups.c.year == year)
    )
    return bool(getattr(result, "rowcount", 0))


async def of_year(session: AsyncSession, year: int) -> list[FollowUp]:
    query = select(follow_ups).where(follow_ups.c.year == year).order_by(follow_ups.c.nis_code)
    return [_follow_up(row) for row in await session.execute(query)]
