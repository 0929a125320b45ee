"""This service's own copy of the registry's municipalities and academy organizers."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.orm import academy_organizers, municipalities, municipality_postal_codes
from activities.adapters.repository import dialect_insert
from activities.domain.municipalities import Municipality


async def save_municipality(
    session: AsyncSession, municipality: Municipality, postal_codes: Collection[str]
) -> set[str]:
    """Replace what is known of one municipality (the events carry its whole state);
    returns the postal codes it had before."""
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
        "latitude": municipality.centroid[0] if municipality.centroid else None,
        "longitude": municipality.centroid[1] if municipality.centroid else None,
    }
    await session.execute(
        dialect_insert(session, municipalities)
        .values(nis_code=municipality.nis_code, **values)
        .on_conflict_do_update(index_elements=["nis_code"], set_=values)
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


async def municipalities_with_postal_code(
    session: AsyncSession, postal_code: str
) -> list[Municipality]:
    rows = await session.execute(
        select(municipalities)
        .join(
            municipality_postal_codes,
            municipality_postal_codes.c.nis_code == municipalities.c.nis_code,
        )
        .where(municipality_postal_codes.c.postal_code == postal_code)
        .order_by(municipalities.c.nis_code)
    )
    return [
        Municipality(
            nis_code=row.nis_code,
            name_nl=row.name_nl,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            province_nl=row.province_nl,
            centroid=None if row.latitude is None else (row.latitude, row.longitude),
        )
        for row in rows
    ]


async def link_organizers(
    session: AsyncSession, academy_id: str, organizer_ids: Collection[str]
) -> set[str]:
    """The academy's organizers become exactly these; returns those it no longer has."""
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
    return await session.scalar(
        select(academy_organizers.c.academy_id).where(
            academy_organizers.c.organizer_id == organizer_id
        )
    )
