"""Use cases on the catalogue: store a document's activity, re-link stored activities.

Each runs inside the caller's transaction and stages its event in the outbox there, so
the activity and its event commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters import registry_copy, repository
from activities.adapters.snapshots import to_snapshot
from activities.domain.model import Activity, Change, change_of
from activities.domain.municipalities import resolve_nis_code
from activities.domain.reader import read_event
from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityPublished, ActivityUpdated
from stemkit.outbox import add_event

SOURCE = "/stem/activities"


async def ingest_document(session: AsyncSession, document: Any) -> tuple[Activity, Change]:
    """Read a UiTdatabank event document and store it; raises `UnreadableDocument`."""
    activity = await enrich(session, read_event(document))
    return activity, await store(session, activity)


async def enrich(session: AsyncSession, activity: Activity) -> Activity:
    """Add what this service knows and UiTdatabank does not: the academy behind the
    organizer and the municipality of the address, from its copies of registry data."""
    academy_id = None
    if activity.organizer_id:
        academy_id = await registry_copy.academy_of_organizer(session, activity.organizer_id)
    location = activity.location
    nis_code = None
    if location.postal_code:
        nis_code = resolve_nis_code(
            await registry_copy.municipalities_with_postal_code(session, location.postal_code),
            locality=location.locality,
            country=location.country,
            day=activity.reference_day(),
        )
    return replace(activity, academy_id=academy_id, location=replace(location, nis_code=nis_code))


async def store(session: AsyncSession, activity: Activity) -> Change:
    stored = await repository.lock_activity(session, activity.activity_id)
    if stored is None and not await repository.insert_activity(session, activity):
        # A concurrent transaction inserted it first and has committed: decide against it.
        stored = await repository.lock_activity(session, activity.activity_id)
    change = change_of(stored, activity)
    if change == "updated":
        await repository.update_activity(session, activity)
    if change in ("published", "updated"):
        await _announce(session, activity, change)
    return change


async def relink(
    session: AsyncSession,
    *,
    organizer_ids: Collection[str] = (),
    postal_codes: Collection[str] = (),
) -> int:
    """Enrich again the stored activities of these organizers or postal codes, after the
    registry data behind them changed; returns how many changed (each one is announced)."""
    ids = await repository.activity_ids_where(
        session, organizer_ids=organizer_ids, postal_codes=postal_codes
    )
    changed = 0
    for activity_id in ids:
        stored = await repository.lock_activity(session, activity_id)
        if stored is not None and await store(session, await enrich(session, stored)) == "updated":
            changed += 1
    return changed


async def _announce(session: AsyncSession, activity: Activity, change: Change) -> None:
    kind = ActivityPublished if change == "published" else ActivityUpdated
    payload = kind.model_validate(to_snapshot(activity).model_dump())
    await add_event(session, CATALOG, CATALOG.new_event(payload, source=SOURCE))
