"""Reads of an academy's activities that prove no reach here (issue 21): sessions whose
place has no Flemish municipality on their date, and quarantined deliveries of its
organizers. Keyset paged, each page bounded by `limit`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.delivery_store import QUARANTINED
from activities.adapters.orm import academy_organizers, activities, activity_occurrences
from activities.adapters.orm import webhook_deliveries as deliveries
from activities.domain.model import BRUSSELS
from activities.domain.not_counted import PlaceReason, name_in, organizer_in, place_reason


@dataclass(frozen=True)
class Unplaced:
    activity_id: str
    name: str | None
    organizer_id: str | None
    reason: PlaceReason
    detail: str | None
    postal_code: str | None
    locality: str | None
    country: str | None
    sessions: int
    first_session: datetime


def _flemish(nis: Any) -> Any:
    return or_(
        func.substr(nis, 1, 1).in_(["1", "3", "4", "7"]),
        func.substr(nis, 1, 2).in_(["23", "24"]),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite: naive UTC


async def without_municipality(
    session: AsyncSession, academy_id: str, year: int | None, *, limit: int, after: str | None
) -> list[Unplaced]:
    """The academy's activities on the calendar (public, not withdrawn) with sessions (in
    `year`, Brussels time) whose municipality is none or not Flemish, in id order."""
    a, o = activities.c, activity_occurrences.c
    unplaced = or_(o.nis_code.is_(None), not_(_flemish(o.nis_code)))
    where = [a.academy_id == academy_id, a.listed.is_(True), unplaced]
    if year is not None:
        first = datetime(year, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)
        last = datetime(year + 1, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)
        where += [o.start >= first, o.start < last]
    if after is not None:
        where.append(a.activity_id > after)
    per_activity = (
        select(
            o.activity_id,
            func.count().label("sessions"),
            func.min(o.start).label("first_session"),
            func.max(o.nis_code).label("nis_code"),
        )
        .join(activities, a.activity_id == o.activity_id)
        .where(and_(*where))
        .group_by(o.activity_id)
        .order_by(o.activity_id)
        .limit(limit)
        .subquery()
    )
    query = (
        select(per_activity, a.snapshot, a.organizer_id)
        .join(activities, a.activity_id == per_activity.c.activity_id)
        .order_by(per_activity.c.activity_id)
    )
    found = []
    for row in await session.execute(query):
        snapshot = row.snapshot if isinstance(row.snapshot, dict) else {}
        location = snapshot.get("location") or {}
        found.append(
            Unplaced(
                activity_id=row.activity_id,
                name=snapshot.get("name"),
                organizer_id=row.organizer_id,
                reason=place_reason(location, row.nis_code),
                detail=location.get("unresolved_reason"),
                postal_code=location.get("postal_code"),
                locality=location.get("locality"),
                country=location.get("country"),
                sessions=int(row.sessions),
                first_session=_aware(row.first_session),
            )
        )
    return found


@dataclass(frozen=True)
class QuarantinedOf:
    webhook_id: str
    kind: str | None
    item_id: str | None
    name: str | None
    organizer_id: str
    reason: str | None
    received_at: datetime | None


async def organizers_of(session: AsyncSession, academy_id: str) -> set[str]:
    rows = await session.scalars(
        select(academy_organizers.c.organizer_id).where(
            academy_organizers.c.academy_id == academy_id
        )
    )
    return {r.lower() for r in rows}


async def quarantined_of(
    session: AsyncSession, academy_id: str, *, limit: int, after: str | None
) -> tuple[list[QuarantinedOf], str | None]:
    """The quarantined deliveries of the academy's organizers among the next `limit`
    candidates after `after` (id order), and the `after` of the next page (None: no more).

    The organizer is not a column of the queue: it is read from the stored body (an event's
    embedded organizer, an organizer's own id), or for a thin event notification from the
    event's stored version. Candidates are the deliveries whose body names one of the
    organizers, and the thin notifications (which name none)."""
    organizers = await organizers_of(session, academy_id)
    if not organizers:
        return [], None
    d = deliveries.c
    lowered = func.lower(d.body)
    names = [lowered.contains(o, autoescape=True) for o in sorted(organizers)]
    query = select(d.webhook_id, d.body, d.error, d.received_at).where(
        d.status == QUARANTINED, or_(*names, d.body.contains('"payload"', autoescape=True))
    )
    if after is not None:
        query = query.where(d.webhook_id > after)
    rows = (await session.execute(query.order_by(d.webhook_id).limit(limit))).all()
    read = [(row, organizer_in(row.body)) for row in rows]
    events = {item for _row, (kind, item, org) in read if kind == "event" and org is None and item}
    stored = await _organizers_of_events(session, events)
    found = []
    for row, (kind, item_id, organizer_id) in read:
        organizer_id = organizer_id or (stored.get(item_id or "") if kind == "event" else None)
        if organizer_id is None or organizer_id.lower() not in organizers:
            continue
        found.append(
            QuarantinedOf(
                webhook_id=row.webhook_id,
                kind=kind,
                item_id=item_id,
                name=name_in(row.body),
                organizer_id=organizer_id.lower(),
                reason=row.error,
                received_at=_aware(row.received_at) if row.received_at else None,
            )
        )
    next_after = rows[-1].webhook_id if len(rows) == limit else None
    return found, next_after


async def _organizers_of_events(session: AsyncSession, event_ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    ids = sorted(event_ids)
    for start in range(0, len(ids), 500):  # bounded IN lists
        rows = await session.execute(
            select(activities.c.activity_id, activities.c.organizer_id).where(
                activities.c.activity_id.in_(ids[start : start + 500]),
                activities.c.organizer_id.is_not(None),
            )
        )
        found.update({r.activity_id: r.organizer_id for r in rows})
    return found
