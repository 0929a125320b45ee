"""Step 3 of the pipeline (`processing`), PostgreSQL only: hold what a batch of deliveries
will write, without ever waiting for another worker (ADR 0018). A delivery whose item or
activity another worker holds is left for a later round (`busy`), so two workers never
wait in a cycle, nor in a convoy.

PostgreSQL only because SQLite has one writer at a time (nothing to hold apart), and
advisory locks and SKIP LOCKED are PostgreSQL's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters import activity_store, advisory_locks, place_store
from activities.domain.places import read_place
from activities.domain.reader import read_event
from activities.service_layer.catalogue import MAX_DUPLICATE_HOPS
from activities.service_layer.preparing import Prepared


def item_key(kind: str, item_id: str) -> int:
    """The advisory lock key of one UiTdatabank item (a signed 64-bit integer), the same
    in every process."""
    digest = hashlib.sha256(f"activities:{kind}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def lock_items(session: AsyncSession, batch: Sequence[Prepared]) -> set[str]:
    """An advisory lock, until the transaction ends, on every item the batch is about,
    taken without waiting; the webhook ids of the deliveries whose item another worker
    holds (left for a later round). Two batches with the same place or event so never
    write it at once, also rows that do not exist yet (two INSERT ... ON CONFLICT of new
    rows in opposite orders deadlock otherwise) and read-then-write (`save_place`
    compares with the stored version); and never wait for each other.

    An event also holds its place (and the places that one is a duplicate of) shared: it
    reads that place's stored address, and a place delivery relinks only the activities
    it finds stored there. Without it, a worker storing the event with the place's old
    address could commit after another worker stored the place's new one and relinked
    without seeing the event: the activity kept the old address (cluster chaos run). Now
    the place delivery (exclusive) or the event (shared) is busy until the other commits;
    events of one place do not hold each other up."""
    keys = {p.delivery.webhook_id: item_key(i.kind, i.item_id) for p in batch if (i := p.about)}
    if not keys:
        return set()
    held_elsewhere = await advisory_locks.try_locks(session, set(keys.values()), shared=False)
    busy = {webhook_id for webhook_id, key in keys.items() if key in held_elsewhere}
    # The places each event reads, hop by hop: a canonical id is read once its place is
    # held, so a concurrent change of that link cannot slip in between.
    places = {
        p.delivery.webhook_id: {place_id}
        for p in batch
        if p.delivery.webhook_id not in busy and (place_id := _event_place(p)) is not None
    }
    taken: set[int] = set(keys.values()) - held_elsewhere
    seen: set[str] = set()
    for _ in range(MAX_DUPLICATE_HOPS + 1):
        wanted = {item_key("place", i) for ids in places.values() for i in ids}
        refused = await advisory_locks.try_locks(session, wanted - taken, shared=True)
        taken |= wanted - refused
        for webhook_id, ids in list(places.items()):
            if any(item_key("place", i) in refused for i in ids):
                busy.add(webhook_id)
                del places[webhook_id]
        seen |= {i for ids in places.values() for i in ids}
        canonical = await place_store.canonical_ids(
            session, {i for ids in places.values() for i in ids}
        )
        places = {
            webhook_id: following
            for webhook_id, ids in places.items()
            if (following := {canonical[i] for i in ids if i in canonical} - seen)
        }
        if not places:
            break
    return busy


def _event_place(prepared: Prepared) -> str | None:
    """The place an event document is at (its stored address is read when it is stored)."""
    item = prepared.item
    if item is None or item.kind != "event":
        return None
    try:
        location = read_event(item.body).location
    except Exception:  # unreadable: quarantined when applied, reads no place
        return None
    return location.place_id if location.kind in ("place", "school") else None


async def activities_held_elsewhere(session: AsyncSession, batch: Sequence[Prepared]) -> set[str]:
    """Lock the stored activities the deliveries are about or may relink, skipping rows
    another transaction holds (SKIP LOCKED: never waited for); the webhook ids of the
    deliveries that need such a row (left for a later round)."""
    wanted = await activity_ids(session, batch)
    ids = sorted(set().union(*wanted.values())) if wanted else []
    if not ids:
        return set()
    elsewhere = await activity_store.held_elsewhere(session, ids)
    return {webhook_id for webhook_id, need in wanted.items() if need & elsewhere}


async def activity_ids(session: AsyncSession, batch: Sequence[Prepared]) -> dict[str, set[str]]:
    """Per delivery, the activities it is about or may relink (a changed place or
    organizer re-resolves its stored activities)."""
    wanted: dict[str, set[str]] = {}
    for prepared in batch:
        item, need = prepared.about, set()
        if item is not None and item.kind == "event":
            need.add(item.item_id)
        elif prepared.item is not None and item is not None:
            places: list[str] = []
            organizers: list[str] = []
            if item.kind == "organizer":
                organizers.append(item.item_id)
            else:
                places.append(item.item_id)
                try:
                    canonical = read_place(prepared.item.body).canonical_id
                except Exception:  # unreadable: quarantined when applied, relinks nothing
                    canonical = None
                if canonical:
                    places.append(canonical)
            need.update(
                await activity_store.activity_ids_where(
                    session, organizer_ids=organizers, place_ids=places
                )
            )
        wanted[prepared.delivery.webhook_id] = need
    return wanted
