"""Reading and writing academies and their organizer ids (SQLAlchemy Core)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Row, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import academies, academy_organizers
from registry.domain.academy import Academy
from registry.domain.profile import FixedSite, Profile


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


def _values(academy: Academy) -> dict[str, object]:
    profile, site = academy.profile, academy.profile.fixed_site
    return {
        "name": academy.name,
        "home_nis_code": academy.home_nis_code,
        "demo": academy.demo,
        "created_at": academy.created_at,
        "updated_at": academy.updated_at,
        "enterprise_number": profile.enterprise_number,
        "website": profile.website,
        "contact_email": profile.contact_email,
        "stem_partnership": profile.stem_partnership,
        "fixed_site": site is not None,
        "fixed_nis_code": site.nis_code if site else None,
        "fixed_postal_code": site.postal_code if site else None,
        "fixed_address": site.address if site else None,
    }


async def add(session: AsyncSession, academy: Academy) -> None:
    await session.execute(insert(academies).values(id=academy.id, **_values(academy)))
    await _add_organizers(session, academy)


async def replace(session: AsyncSession, academy: Academy) -> None:
    """Write the academy's new state over the stored one, organizer ids included."""
    await session.execute(
        update(academies).where(academies.c.id == academy.id).values(**_values(academy))
    )
    await session.execute(
        delete(academy_organizers).where(academy_organizers.c.academy_id == academy.id)
    )
    await _add_organizers(session, academy)


async def _add_organizers(session: AsyncSession, academy: Academy) -> None:
    if academy.uit_organizer_ids:
        await session.execute(
            insert(academy_organizers),
            [{"organizer_id": o, "academy_id": academy.id} for o in academy.uit_organizer_ids],
        )


async def lock(session: AsyncSession, academy_id: str) -> bool:
    """Lock the academy's row for this transaction (no-op on SQLite); False if unknown."""
    found = await session.scalar(
        select(academies.c.id).where(academies.c.id == academy_id).with_for_update()
    )
    return found is not None


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


@dataclass(frozen=True)
class Filters:
    name_contains: str | None = None
    home_nis_code: str | None = None
    stem_partnership: str | None = None
    demo: bool | None = None
    ids: frozenset[str] | None = None  # only these (the recognised ones, for partners)


async def page(
    session: AsyncSession, filters: Filters, after: tuple[str, str] | None, limit: int
) -> list[Academy]:
    """Up to `limit` academies by (name, id), after the key `after` (keyset pagination)."""
    query = select(academies).order_by(academies.c.name, academies.c.id).limit(limit)
    if after is not None:
        query = query.where(tuple_(academies.c.name, academies.c.id) > tuple_(*after))
    if filters.name_contains:
        query = query.where(academies.c.name.ilike(f"%{_escape(filters.name_contains)}%", "\\"))
    if filters.home_nis_code:
        query = query.where(academies.c.home_nis_code == filters.home_nis_code)
    if filters.stem_partnership:
        query = query.where(academies.c.stem_partnership == filters.stem_partnership)
    if filters.demo is not None:
        query = query.where(academies.c.demo == filters.demo)
    if filters.ids is not None:
        query = query.where(academies.c.id.in_(sorted(filters.ids)))
    rows = (await session.execute(query)).all()
    return await _with_organizers(session, rows)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
            updated_at=_aware(row.updated_at) if row.updated_at else None,
            profile=Profile(
                enterprise_number=row.enterprise_number,
                website=row.website,
                contact_email=row.contact_email,
                stem_partnership=row.stem_partnership,
                fixed_site=FixedSite(row.fixed_nis_code, row.fixed_postal_code, row.fixed_address)
                if row.fixed_site
                else None,
            ),
        )
        for row in rows
    ]


def _aware(value: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
