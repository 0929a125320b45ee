"""UiTdatabank places and organizers as their own documents last said.

A place read is remembered for the rest of the transaction (`stemkit.storage.transaction_memo`),
and a save replaces what is remembered.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.activity_store import dialect_insert
from activities.adapters.orm import organizers, places
from activities.domain.model import Location, Organizer, Place
from stemkit.storage.transaction_memo import memo


def _known(session: AsyncSession) -> dict[str, Place | None]:
    return memo(session, "places")  # place id -> Place | None


async def get_place(session: AsyncSession, place_id: str) -> Place | None:
    known = _known(session)
    if place_id not in known:
        known[place_id] = await _read_place(session, place_id)
    return known[place_id]


async def _read_place(session: AsyncSession, place_id: str) -> Place | None:
    row = (await session.execute(select(places).where(places.c.place_id == place_id))).first()
    if row is None:
        return None
    location = Location(**row.location)
    return Place(
        place_id=row.place_id,
        name=location.name,
        location=location,
        canonical_id=row.canonical_id,
        modified=_aware(row.modified),
        deleted=row.deleted,
    )


async def save_place(session: AsyncSession, place: Place) -> bool:
    """Store a place unless a newer version is stored; True when something changed."""
    stored = await get_place(session, place.place_id)
    if stored is not None and _older(place.modified, stored.modified):
        return False
    if stored == place:
        return False
    values = {
        "canonical_id": place.canonical_id,
        "location": asdict(place.location),
        "modified": place.modified,
        "deleted": place.deleted,
        "updated_at": datetime.now(UTC),
    }
    await session.execute(
        dialect_insert(session, places)
        .values(place_id=place.place_id, **values)
        .on_conflict_do_update(index_elements=["place_id"], set_=values)
    )
    _known(session)[place.place_id] = place
    return True


async def save_organizer(session: AsyncSession, organizer: Organizer) -> bool:
    row = (
        await session.execute(
            select(organizers).where(organizers.c.organizer_id == organizer.organizer_id)
        )
    ).first()
    if row is not None:
        stored = Organizer(row.organizer_id, row.name, _aware(row.modified), row.deleted)
        if stored == organizer or _older(organizer.modified, stored.modified):
            return False
    values = {
        "name": organizer.name,
        "modified": organizer.modified,
        "deleted": organizer.deleted,
        "updated_at": datetime.now(UTC),
    }
    await session.execute(
        dialect_insert(session, organizers)
        .values(organizer_id=organizer.organizer_id, **values)
        .on_conflict_do_update(index_elements=["organizer_id"], set_=values)
    )
    return True


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive UTC back."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _older(incoming: datetime | None, stored: datetime | None) -> bool:
    if incoming is None or stored is None:
        return False
    return incoming < (_aware(stored) or stored)


async def canonical_ids(session: AsyncSession, place_ids: set[str]) -> dict[str, str]:
    """The stored places among these that are duplicates: place id -> canonical id (read
    directly, not through the transaction's memo: before the locks, nothing is kept)."""
    if not place_ids:
        return {}
    rows = await session.execute(
        select(places.c.place_id, places.c.canonical_id).where(
            places.c.place_id.in_(sorted(place_ids)), places.c.canonical_id.isnot(None)
        )
    )
    return {str(row.place_id): str(row.canonical_id) for row in rows}
