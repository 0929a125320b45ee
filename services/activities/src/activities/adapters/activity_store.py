"""Reading and writing activities (SQLAlchemy Core, async)."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.orm import activities, activity_occurrences, activity_themes
from activities.adapters.snapshots import from_snapshot
from activities.domain.model import Activity
from stemkit.contracts.activities import ActivitySnapshot
from stemkit.storage.transaction_memo import memo


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT, for PostgreSQL and SQLite alike (SQLAlchemy has
    ON CONFLICT only in the dialects' own `insert`: a functional branch, ADR 0026)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def folded(text: str) -> str:
    """Lower case without accents: what free-text search compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isprintable() and not unicodedata.combining(c))


def _columns(activity: Activity, snapshot: ActivitySnapshot) -> dict[str, Any]:
    """The row of an activity: its snapshot (the one its event carries) and the columns
    the reads filter on."""
    location = activity.location
    first = activity.occurrences[0].start if activity.occurrences else None
    return {
        "snapshot": snapshot.model_dump(mode="json"),
        "organizer_id": activity.organizer_id,
        "postal_code": location.postal_code,
        "modified": activity.modified,
        "updated_at": datetime.now(UTC),
        "place_id": location.place_id,
        "academy_id": activity.academy_id,
        "nis_code": location.nis_code,
        "sort_start": first or activity.available_to or activity.modified,
        "age_min": activity.age_min,
        "age_max": activity.age_max,
        "search_text": folded(" ".join(filter(None, [activity.name, location.locality]))),
        "listed": activity.public and not activity.withdrawn,
        "available_to": activity.available_to,
    }


async def _write_children(session: AsyncSession, activity: Activity, *, new: bool) -> None:
    """The occurrences and themes that the read API filters on, replaced whole (a `new`
    activity has none yet: no DELETEs to send)."""
    if not new:
        for table in (activity_occurrences, activity_themes):
            await session.execute(delete(table).where(table.c.activity_id == activity.activity_id))
    if activity.occurrences:
        await session.execute(
            activity_occurrences.insert(),
            [
                {
                    "activity_id": activity.activity_id,
                    "position": position,
                    "start": o.start,
                    "end": o.end,
                    "nis_code": o.nis_code or activity.location.nis_code,
                }
                for position, o in enumerate(activity.occurrences)
            ],
        )
    if activity.theme_ids:
        await session.execute(
            activity_themes.insert(),
            [{"activity_id": activity.activity_id, "theme_id": t} for t in activity.theme_ids],
        )


async def held_elsewhere(session: AsyncSession, activity_ids: Collection[str]) -> set[str]:
    """Lock those of these activities that exist, skipping rows another transaction holds
    (SKIP LOCKED: never waited for); the ones skipped."""
    ids = sorted(set(activity_ids))
    if not ids:
        return set()
    a = activities.c
    existing = set(await session.scalars(select(a.activity_id).where(a.activity_id.in_(ids))))
    locked = set(
        await session.scalars(
            select(a.activity_id)
            .where(a.activity_id.in_(sorted(existing)))
            .order_by(a.activity_id)
            .with_for_update(skip_locked=True)
        )
    )
    return existing - locked


async def lock_activities(session: AsyncSession, activity_ids: Collection[str]) -> None:
    """Lock these activities (those that exist) in one statement, in id order, and
    remember them for `lock_activity` for the rest of the transaction: the worker does
    this for a batch's activities (one round trip instead of one each; and batches lock
    in the same order, as `relink` does, so they cannot deadlock each other)."""
    if not activity_ids:
        return
    rows = await session.execute(
        select(activities.c.activity_id, activities.c.snapshot)
        .where(activities.c.activity_id.in_(sorted(set(activity_ids))))
        .order_by(activities.c.activity_id)
        .with_for_update()
    )
    locked = _locked(session)
    locked.update(dict.fromkeys(activity_ids))
    locked.update((row.activity_id, from_snapshot(row.snapshot)) for row in rows)


async def lock_activity(session: AsyncSession, activity_id: str) -> Activity | None:
    """The stored activity, locked until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway), so concurrent deliveries of one activity take turns."""
    locked = _locked(session)
    if activity_id in locked:
        return locked[activity_id]
    row = await session.scalar(
        select(activities.c.snapshot)
        .where(activities.c.activity_id == activity_id)
        .with_for_update()
    )
    return None if row is None else from_snapshot(row)


def _locked(session: AsyncSession) -> dict[str, Activity | None]:
    """Activities locked in this transaction and not written since, as stored (None: not
    stored when locked; if another transaction inserts it since, `insert_activity` says
    so). Forgotten when written: read again, the row says what it became."""
    return memo(session, "locked_activities")


_UPDATE = update(activities).where(activities.c.activity_id == bindparam("b_activity_id"))


async def insert_activity(
    session: AsyncSession, activity: Activity, snapshot: ActivitySnapshot
) -> bool:
    """Insert a new activity (`snapshot`: `to_snapshot(activity)`); False when another
    transaction inserted it first."""
    result = await session.execute(
        dialect_insert(session, activities).on_conflict_do_nothing(index_elements=["activity_id"]),
        {"activity_id": activity.activity_id, **_columns(activity, snapshot)},
    )
    inserted = bool(getattr(result, "rowcount", 0))
    _locked(session).pop(activity.activity_id, None)  # read as stored, when asked again
    if inserted:
        await _write_children(session, activity, new=True)
    return inserted


async def update_activity(
    session: AsyncSession, activity: Activity, snapshot: ActivitySnapshot
) -> None:
    """Write a stored activity as it is now (`snapshot`: `to_snapshot(activity)`)."""
    row = _columns(activity, snapshot)
    await session.execute(_UPDATE, {"b_activity_id": activity.activity_id, **row})
    _locked(session).pop(activity.activity_id, None)  # read as stored, when asked again
    await _write_children(session, activity, new=False)


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
    place_ids: Collection[str] = (),
    unresolved_without_postal_code: bool = False,
) -> list[str]:
    """Ids of activities of these organizers, at these postal codes or places, or (if
    asked) without postal code and municipality (re-linking)."""
    condition = (
        activities.c.organizer_id.in_(list(organizer_ids))
        | activities.c.postal_code.in_(list(postal_codes))
        | activities.c.place_id.in_(list(place_ids))
    )
    if unresolved_without_postal_code:
        condition = condition | (
            activities.c.postal_code.is_(None) & activities.c.nis_code.is_(None)
        )
    rows = await session.scalars(
        select(activities.c.activity_id).where(condition).order_by(activities.c.activity_id)
    )
    return list(rows)
