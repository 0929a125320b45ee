"""Reading and writing academies and their organizer ids (SQLAlchemy Core)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import academies, academy_organizers
from registry.domain.academy import Academy


async def organizer_owners(session: AsyncSession, organizer_ids: Sequence[str]) -> dict[str, str]:
    """Which of `organizer_ids` already belong to an academy: organizer id -> academy id."""
    if not organizer_ids:
        return {}
    rows = await session.execute(
        select(academy_organizers.c.organizer_id, academy_organizers.c.academy_id).where(
            academy_organizers.c.organizer_id.in_(organizer_ids)
        )
    )
    return dict(rows.all())


async def add(session: AsyncSession, academy: Academy) -> None:
    await session.execute(
        insert(academies).values(
            id=academy.id,
            name=academy.name,
            home_nis_code=academy.home_nis_code,
            demo=academy.demo,
            created_at=academy.created_at,
        )
    )
    if academy.uit_organizer_ids:
        await session.execute(
            insert(academy_organizers),
            [{"organizer_id": o, "academy_id": academy.id} for o in academy.uit_organizer_ids],
        )


async def exists(session: AsyncSession, academy_id: str) -> bool:
    found = await session.scalar(select(academies.c.id).where(academies.c.id == academy_id))
    return found is not None


async def get_many(session: AsyncSession, ids: Sequence[str]) -> list[Academy]:
    """The academies with these ids, in the order asked; unknown ids are left out."""
    if not ids:
        return []
    rows = (await session.execute(select(academies).where(academies.c.id.in_(ids)))).all()
    by_id = {academy.id: academy for academy in await _with_organizers(session, rows)}
    return [by_id[i] for i in ids if i in by_id]


async def list_all(session: AsyncSession) -> list[Academy]:
    rows = (await session.execute(select(academies).order_by(academies.c.name))).all()
    return await _with_organizers(session, rows)


async def _with_organizers(
    session: AsyncSession, rows: Sequence[Row[tuple[object, ...]]]
) -> list[Academy]:
    ids = [row.id for row in rows]
    organizers: dict[str, list[str]] = defaultdict(list)
    if ids:
        found = await session.execute(
            select(academy_organizers.c.academy_id, academy_organizers.c.organizer_id)
            .where(academy_organizers.c.academy_id.in_(ids))
            .order_by(academy_organizers.c.organizer_id)
        )
        for academy_id, organizer_id in found:
            organizers[academy_id].append(organizer_id)
    return [
        Academy(
            id=row.id,
            name=row.name,
            uit_organizer_ids=tuple(organizers[row.id]),
            home_nis_code=row.home_nis_code,
            demo=row.demo,
            created_at=_aware(row.created_at),
        )
        for row in rows
    ]


def _aware(value: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
