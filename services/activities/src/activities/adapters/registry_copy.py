"""This service's own copy of the registry's municipalities and academy organizers.

Lookups are remembered for the rest of the transaction (`stemkit.storage.transaction_memo`);
every write here forgets them, so a transaction that changes the copy (the registry
events' handlers) never reads its own old rows from memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.activity_store import dialect_insert
from activities.adapters.orm import (
    academy_organizers,
    municipalities,
    municipality_copy_version,
    municipality_postal_codes,
)
from activities.domain.municipalities import BoundaryIndex, Municipality
from stemkit.storage.transaction_memo import forget, memo

# The boundary index last built in this process, with the copy's version it was built from.
_index_cache: tuple[str, BoundaryIndex] | None = None


def _lookups(session: AsyncSession) -> dict[tuple[str, str], Any]:
    return memo(session, "registry_copy")


def _forget(session: AsyncSession) -> None:
    forget(session, "registry_copy")


async def save_municipality(
    session: AsyncSession,
    municipality: Municipality,
    postal_codes: Collection[str],
    boundary: Mapping[str, Any] | None = None,
) -> set[str]:
    """Replace what is known of one municipality (the events carry its whole state);
    returns the postal codes it had before. Every save bumps the copy's version, so
    boundary indexes built from the rows before it are rebuilt."""
    before = set(
        await session.scalars(
            select(municipality_postal_codes.c.postal_code).where(
                municipality_postal_codes.c.nis_code == municipality.nis_code
            )
        )
    )
    values = {
        "name_nl": municipality.name_nl,
        "valid_from": municipality.valid_from,
        "valid_to": municipality.valid_to,
        "province_nl": municipality.province_nl,
        "merged_into_nis": municipality.merged_into_nis,
        "latitude": municipality.centroid[0] if municipality.centroid else None,
        "longitude": municipality.centroid[1] if municipality.centroid else None,
        "boundary": dict(boundary) if boundary is not None else None,
    }
    await session.execute(
        dialect_insert(session, municipalities)
        .values(nis_code=municipality.nis_code, **values)
        .on_conflict_do_update(index_elements=["nis_code"], set_=values)
    )
    version = uuid.uuid4().hex
    await session.execute(
        dialect_insert(session, municipality_copy_version)
        .values(id=1, version=version)
        .on_conflict_do_update(index_elements=["id"], set_={"version": version})
    )
    await session.execute(
        delete(municipality_postal_codes).where(
            municipality_postal_codes.c.nis_code == municipality.nis_code
        )
    )
    if postal_codes:
        await session.execute(
            municipality_postal_codes.insert(),
            [
                {"postal_code": code, "nis_code": municipality.nis_code}
                for code in set(postal_codes)
            ],
        )
    return before


async def postal_codes_of(session: AsyncSession, nis_code: str) -> set[str]:
    return set(
        await session.scalars(
            select(municipality_postal_codes.c.postal_code).where(
                municipality_postal_codes.c.nis_code == nis_code
            )
        )
    )


async def municipalities_with_postal_code(
    session: AsyncSession, postal_code: str
) -> list[Municipality]:
    lookups = _lookups(session)
    key = ("postal_code", postal_code)
    if key not in lookups:
        lookups[key] = await _municipalities_with_postal_code(session, postal_code)
    return list(lookups[key])


async def _municipalities_with_postal_code(
    session: AsyncSession, postal_code: str
) -> list[Municipality]:
    """Those the (2025) postal code table lists, and those merged into them: before a
    merger the postal code stands for one of the old municipalities (`stemkit.domain.places`)."""
    listed = select(municipality_postal_codes.c.nis_code).where(
        municipality_postal_codes.c.postal_code == postal_code
    )
    rows = await session.execute(
        select(municipalities)
        .where(municipalities.c.nis_code.in_(listed) | municipalities.c.merged_into_nis.in_(listed))
        .order_by(municipalities.c.nis_code)
    )
    return [_municipality(row) for row in rows]


def _municipality(row: Any) -> Municipality:
    return Municipality(
        nis_code=row.nis_code,
        name_nl=row.name_nl,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        province_nl=row.province_nl,
        centroid=None if row.latitude is None else (row.latitude, row.longitude),
        merged_into_nis=row.merged_into_nis,
    )


async def boundary_index(session: AsyncSession) -> BoundaryIndex:
    """The point-in-polygon index over every municipality with a boundary: built once per
    version of the copy (and reused across documents), rebuilt when a municipality changed."""
    global _index_cache
    lookups = _lookups(session)
    if ("version", "") not in lookups:
        lookups[("version", "")] = await session.scalar(
            select(municipality_copy_version.c.version).where(municipality_copy_version.c.id == 1)
        )
    version = lookups[("version", "")]
    if version is not None and _index_cache is not None and _index_cache[0] == version:
        return _index_cache[1]
    rows = await session.execute(select(municipalities).order_by(municipalities.c.nis_code))
    index = BoundaryIndex(
        (_municipality(row), row.boundary) for row in rows if isinstance(row.boundary, dict)
    )
    if version is not None:
        _index_cache = (version, index)
    return index


async def link_organizers(
    session: AsyncSession, academy_id: str, organizer_ids: Collection[str]
) -> set[str]:
    """The academy's organizers become exactly these; returns those it no longer has."""
    _forget(session)
    before = set(
        await session.scalars(
            select(academy_organizers.c.organizer_id).where(
                academy_organizers.c.academy_id == academy_id
            )
        )
    )
    dropped = before - set(organizer_ids)
    if dropped:
        await session.execute(
            delete(academy_organizers).where(
                academy_organizers.c.academy_id == academy_id,
                academy_organizers.c.organizer_id.in_(dropped),
            )
        )
    for organizer_id in set(organizer_ids):
        await session.execute(
            dialect_insert(session, academy_organizers)
            .values(organizer_id=organizer_id, academy_id=academy_id)
            .on_conflict_do_update(index_elements=["organizer_id"], set_={"academy_id": academy_id})
        )
    return dropped


async def academy_of_organizer(session: AsyncSession, organizer_id: str) -> str | None:
    lookups = _lookups(session)
    key = ("organizer", organizer_id)
    if key not in lookups:
        lookups[key] = await session.scalar(
            select(academy_organizers.c.academy_id).where(
                academy_organizers.c.organizer_id == organizer_id
            )
        )
    found: str | None = lookups[key]
    return found
