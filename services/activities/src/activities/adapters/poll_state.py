"""The poller's cursor per kind, its history pull per organizer linked later (issue 15),
and the ids that scope its searches."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.activity_store import dialect_insert
from activities.adapters.orm import (
    academy_organizers,
    activities,
    organizer_history,
    poll_cursors,
)


async def cursor(session: AsyncSession, kind: str) -> datetime | None:
    found = await session.scalar(select(poll_cursors.c.cursor).where(poll_cursors.c.kind == kind))
    if found is not None and found.tzinfo is None:  # SQLite gives naive UTC back
        found = found.replace(tzinfo=UTC)
    return found


@dataclass(frozen=True)
class Cursor:
    kind: str
    cursor: datetime
    updated_at: datetime


async def cursors(session: AsyncSession) -> list[Cursor]:
    """Every kind's cursor and when the poller last moved it, by kind (for ops)."""
    rows = await session.execute(select(poll_cursors).order_by(poll_cursors.c.kind))
    return [Cursor(r.kind, _utc(r.cursor), _utc(r.updated_at)) for r in rows]


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


BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)  # before any UiTdatabank document


@dataclass(frozen=True)
class HistoryPull:
    """An organizer's history asked for (`requested_at`, as stored: it tells this request
    from a later one), read up to `cursor` so far."""

    organizer_id: str
    cursor: datetime
    requested_at: datetime


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite: naive UTC


async def request_history(
    session: AsyncSession,
    academy_id: str,
    organizer_ids: Collection[str],
    since: datetime = BEGINNING,
) -> list[str]:
    """Those of `organizer_ids` not linked to this academy yet get their whole history
    pulled (from `since`), also when they were pulled before: the event kind's cursor
    skipped them while they were not linked. Returns them."""
    linked = set(
        await session.scalars(
            select(academy_organizers.c.organizer_id).where(
                academy_organizers.c.academy_id == academy_id
            )
        )
    )
    new = sorted(set(organizer_ids) - linked)
    now = datetime.now(UTC)
    for organizer_id in new:
        values = {"cursor": since, "requested_at": now, "caught_up_at": None}
        await session.execute(
            dialect_insert(session, organizer_history)
            .values(organizer_id=organizer_id, **values)
            .on_conflict_do_update(index_elements=["organizer_id"], set_=values)
        )
    return new


async def pending_history(session: AsyncSession) -> list[HistoryPull]:
    """The history pulls not caught up, of organizers still linked to an academy."""
    h = organizer_history.c
    rows = await session.execute(
        select(h.organizer_id, h.cursor, h.requested_at)
        .where(
            h.caught_up_at.is_(None),
            h.organizer_id.in_(select(academy_organizers.c.organizer_id)),
        )
        .order_by(h.requested_at, h.organizer_id)
    )
    return [HistoryPull(row.organizer_id, _utc(row.cursor), row.requested_at) for row in rows]


async def history_caught_up(session: AsyncSession, pull: HistoryPull, to: datetime) -> None:
    """Read to the end: done, unless it was asked for again meanwhile (the new request
    then runs next round)."""
    h = organizer_history.c
    now = datetime.now(UTC)
    await session.execute(
        update(organizer_history)
        .where(h.organizer_id == pull.organizer_id, h.requested_at == pull.requested_at)
        .values(cursor=to, caught_up_at=now)
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
