"""One UiTdatabank document into this service's state: an event becomes an activity, a
place or an organizer is stored and the activities that depend on it are re-resolved.

The same path for the webhook, the poller and the backfill. Raises `UnreadableDocument`
with the precise reason for what cannot be used; the caller quarantines it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters import place_store
from activities.domain.documents import Document, Kind
from activities.domain.model import Change
from activities.domain.places import UnreadablePlace, read_organizer, read_place
from activities.domain.reader import UnreadableDocument
from activities.service_layer.catalogue import ingest_document, relink, withdraw


@dataclass(frozen=True)
class Ingested:
    kind: Kind
    item_id: str
    change: Change | None = None  # of the activity, for an event
    relinked: int = 0  # activities re-resolved after a place or organizer changed


async def ingest(session: AsyncSession, document: Document) -> Ingested:
    if document.kind == "event":
        activity, change = await ingest_document(session, document.body)
        return Ingested("event", activity.activity_id, change=change)
    try:
        if document.kind == "place":
            place = read_place(document.body)
            changed = await place_store.save_place(session, place)
            ids = [place.place_id, *([place.canonical_id] if place.canonical_id else [])]
            relinked = await relink(session, place_ids=ids) if changed else 0
            return Ingested("place", place.place_id, relinked=relinked)
        organizer = read_organizer(document.body)
        changed = await place_store.save_organizer(session, organizer)
        ids = [organizer.organizer_id]
        relinked = await relink(session, organizer_ids=ids) if changed else 0
        return Ingested("organizer", organizer.organizer_id, relinked=relinked)
    except UnreadablePlace as exc:
        raise UnreadableDocument(str(exc)) from None


async def gone(session: AsyncSession, kind: Kind, item_id: str) -> Ingested:
    """The fetch of a notified item answered 404 or 410: an event is withdrawn."""
    change = None
    if kind == "event":
        change = await withdraw(session, item_id)
    return Ingested(kind, item_id, change=change)
