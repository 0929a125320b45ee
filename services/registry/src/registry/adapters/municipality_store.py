"""Reading and writing municipalities and postal codes (SQLAlchemy Core)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import and_, delete, false, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import municipalities, postal_codes
from registry.domain.municipality import Municipality, year_bounds

_COLUMNS = (
    municipalities.c.nis_code,
    municipalities.c.name_nl,
    municipalities.c.province_nl,
    municipalities.c.valid_from,
    municipalities.c.valid_to,
    municipalities.c.merged_into_nis,
)


async def all_rows(session: AsyncSession) -> list[Municipality]:
    rows = await session.execute(select(*_COLUMNS))
    return [Municipality(*row) for row in rows]


async def valid_in(session: AsyncSession, year: int) -> list[Municipality]:
    """The municipalities valid on at least one day of `year`: the SQL form of
    `stemkit.domain.validity.valid_during` (as Municipality.valid_in)."""
    first, last = year_bounds(year)
    rows = await session.execute(
        select(*_COLUMNS)
        .where(
            and_(
                municipalities.c.valid_from <= last,
                or_(municipalities.c.valid_to.is_(None), municipalities.c.valid_to >= first),
            )
        )
        .order_by(municipalities.c.nis_code)
    )
    return [Municipality(*row) for row in rows]


async def known(session: AsyncSession, nis_code: str) -> bool:
    found = await session.scalar(
        select(municipalities.c.nis_code).where(municipalities.c.nis_code == nis_code).limit(1)
    )
    return found is not None


async def insert_rows(session: AsyncSession, rows: Sequence[Municipality]) -> None:
    if rows:
        await session.execute(insert(municipalities), [_values(m) for m in rows])


async def update_row(session: AsyncSession, municipality: Municipality) -> None:
    await session.execute(
        update(municipalities)
        .where(
            municipalities.c.nis_code == municipality.nis_code,
            municipalities.c.valid_from == municipality.valid_from,
        )
        .values(_values(municipality))
    )


async def postal_codes_by_nis(session: AsyncSession) -> dict[str, list[str]]:
    rows = await session.execute(
        select(postal_codes.c.nis_code, postal_codes.c.postal_code).order_by(
            postal_codes.c.postal_code
        )
    )
    found: dict[str, list[str]] = defaultdict(list)
    for nis_code, postal_code in rows:
        found[nis_code].append(postal_code)
    return dict(found)


async def replace_postal_codes(
    session: AsyncSession, codes_by_nis: Mapping[str, Iterable[str]]
) -> None:
    """Give each of these municipalities exactly these postal codes."""
    if not codes_by_nis:
        return
    await session.execute(delete(postal_codes).where(postal_codes.c.nis_code.in_(codes_by_nis)))
    values = [
        {"postal_code": code, "nis_code": nis_code}
        for nis_code, codes in codes_by_nis.items()
        for code in codes
    ]
    if values:
        await session.execute(insert(postal_codes), values)


def _values(m: Municipality) -> dict[str, object]:
    return {
        "nis_code": m.nis_code,
        "name_nl": m.name_nl,
        "province_nl": m.province_nl,
        "valid_from": m.valid_from,
        "valid_to": m.valid_to,
        "merged_into_nis": m.merged_into_nis,
    }


async def not_announced_with_boundary(session: AsyncSession) -> set[tuple[str, date]]:
    """(NIS code, valid from) of the rows never announced with their boundary."""
    rows = await session.execute(
        select(municipalities.c.nis_code, municipalities.c.valid_from).where(
            municipalities.c.boundary_announced == false()
        )
    )
    return {(nis_code, valid_from) for nis_code, valid_from in rows}


async def mark_announced_with_boundary(session: AsyncSession) -> None:
    await session.execute(
        update(municipalities)
        .where(municipalities.c.boundary_announced == false())
        .values(boundary_announced=True)
    )
