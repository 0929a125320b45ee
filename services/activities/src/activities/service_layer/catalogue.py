"""Use cases on the catalogue: store a document's activity, re-resolve stored activities.

Each runs inside the caller's transaction and stages its event in the outbox there, so
the activity and its event commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters import activity_store, place_store, registry_copy
from activities.adapters.snapshots import to_snapshot
from activities.domain.model import Activity, Change, Location, change_of
from activities.domain.municipalities import periods, resolve_on
from activities.domain.reader import read_event
from stemkit.contracts import CATALOG
from stemkit.contracts.activities import (
    ActivityPublished,
    ActivitySnapshot,
    ActivityUpdated,
    ActivityWithdrawn,
)
from stemkit.eventing.outbox import add_event

SOURCE = "/stem/activities"
MAX_DUPLICATE_HOPS = 3  # a place's duplicateOf links followed at most


async def ingest_document(
    session: AsyncSession, document: Mapping[str, Any]
) -> tuple[Activity, Change]:
    """Read a UiTdatabank event document and store it; raises `UnreadableDocument`."""
    activity = await enrich(session, read_event(document))
    return activity, await store(session, activity)


async def enrich(session: AsyncSession, activity: Activity) -> Activity:
    """Add what this service knows and UiTdatabank's event does not: the academy behind
    the organizer, the place's own (newer, canonical) document, and the municipality of
    each occurrence's day, from its copies of registry data."""
    academy_id = None
    if activity.organizer_id:
        academy_id = await registry_copy.academy_of_organizer(session, activity.organizer_id)
    location = await _current_place(session, activity.location)
    candidates = []
    if location.postal_code:
        candidates = await registry_copy.municipalities_with_postal_code(
            session, location.postal_code
        )
    boundaries = None
    if location.latitude is not None and location.longitude is not None:
        boundaries = await registry_copy.boundary_index(session)
    found = resolve_on(location, candidates, activity.reference_day(), boundaries)
    occurrences = tuple(
        replace(o, nis_code=resolve_on(location, candidates, o.day(), boundaries).nis_code)
        for o in activity.occurrences
    )
    return replace(
        activity,
        academy_id=academy_id,
        occurrences=occurrences,
        location=replace(
            location,
            nis_code=found.nis_code,
            unresolved_reason=found.reason,
            periods=periods(location, candidates, boundaries),
        ),
    )


async def _current_place(session: AsyncSession, location: Location) -> Location:
    """The place as its own latest document says (events embed a copy that can be
    older), followed to its canonical place when it is a duplicate."""
    if location.kind not in ("place", "school") or location.place_id is None:
        return location
    current = location
    place_id: str | None = location.place_id
    for _ in range(MAX_DUPLICATE_HOPS):
        place = await place_store.get_place(session, place_id) if place_id else None
        if place is None:
            break
        current = replace(place.location, kind=location.kind, place_id=place.place_id)
        place_id = place.canonical_id
    if place_id and place_id != current.place_id:
        current = replace(current, place_id=place_id)  # canonical, not (yet) known here
    return current


async def store(session: AsyncSession, activity: Activity) -> Change:
    """Store the activity and stage its event, deciding against the stored version. It
    is turned into its published snapshot once, for the row and the event alike, and only
    when one of them is written."""
    snapshot: ActivitySnapshot | None = None
    stored = await activity_store.lock_activity(session, activity.activity_id)
    if stored is None:
        snapshot = to_snapshot(activity)
        if not await activity_store.insert_activity(session, activity, snapshot):
            # A concurrent transaction inserted it first and has committed: decide against it.
            stored = await activity_store.lock_activity(session, activity.activity_id)
    change = change_of(stored, activity)
    rewrite = stored is not None and change != "stale" and stored != activity
    announce = change in ("published", "updated", "withdrawn")
    if rewrite or announce:
        snapshot = snapshot or to_snapshot(activity)
        if rewrite:
            await activity_store.update_activity(session, activity, snapshot)
        if announce:
            await _announce(session, activity, change, snapshot)
    return change


async def withdraw(session: AsyncSession, activity_id: str) -> Change | None:
    """UiTdatabank says the event is gone (404, 410): withdraw what is stored."""
    stored = await activity_store.lock_activity(session, activity_id)
    if stored is None:
        return None
    return await store(session, replace(stored, workflow_status="DELETED", public=False))


async def relink(
    session: AsyncSession,
    *,
    organizer_ids: Collection[str] = (),
    postal_codes: Collection[str] = (),
    place_ids: Collection[str] = (),
    unresolved_without_postal_code: bool = False,
) -> int:
    """Enrich again the stored activities of these organizers, postal codes or places
    (and, if asked, those without postal code and municipality), after the data behind
    them changed; returns how many changed (each one announced)."""
    ids = await activity_store.activity_ids_where(
        session,
        organizer_ids=organizer_ids,
        postal_codes=postal_codes,
        place_ids=place_ids,
        unresolved_without_postal_code=unresolved_without_postal_code,
    )
    changed = 0
    for activity_id in ids:
        stored = await activity_store.lock_activity(session, activity_id)
        if stored is None or stored.withdrawn:
            continue
        if await store(session, await enrich(session, stored)) == "updated":
            changed += 1
    return changed


async def _announce(
    session: AsyncSession, activity: Activity, change: Change, snapshot: ActivitySnapshot
) -> None:
    if change == "withdrawn":
        payload: Any = ActivityWithdrawn(
            activity_id=activity.activity_id,
            reason=(activity.workflow_status or "withdrawn").lower(),
            modified=activity.modified,
        )
    else:
        kind = ActivityPublished if change == "published" else ActivityUpdated
        payload = kind.model_validate(snapshot.model_dump())
    await add_event(session, CATALOG, CATALOG.new_event(payload, source=SOURCE))
