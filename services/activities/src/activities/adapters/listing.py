"""The STEM-kalender query: listed activities by period, place, academy, theme, age and
text, in (first start, id) order, paged by a keyset cursor."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.activity_store import folded
from activities.adapters.labels import AnyLabel
from activities.adapters.orm import (
    activities,
    activity_occurrences,
    activity_themes,
    municipalities,
)
from activities.adapters.snapshots import from_snapshot
from activities.domain.model import Activity


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None  # occurrences ending at or after this
    end: datetime | None = None  # occurrences starting at or before this
    nis_codes: tuple[str, ...] = ()
    province: str | None = None
    academy_id: str | None = None
    theme_ids: tuple[str, ...] = field(default_factory=tuple)
    age: int | None = None
    text: str | None = None
    # ACTIVITIES_STEM_LABELS: lists an activity of no academy that carries one (lower case)
    stem_labels: tuple[str, ...] = ()


def encode_cursor(activity: Activity, sort_start: datetime) -> str:
    raw = json.dumps([sort_start.astimezone(UTC).isoformat(), activity.activity_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, activity_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(moment).astimezone(UTC), str(activity_id)
    except (ValueError, TypeError) as exc:
        raise BadCursor(f"invalid cursor: {exc}") from None


def _open_to_all(a: Any) -> Any:
    """School-only events (UiT `audienceType: education`) are stored but not listed on the
    public STEM-kalender: they are not open offer, and UiT's own calendars leave them out
    too (../shared/docs/uitdatabank.md §8-9; issue 15). `members` events stay listed."""
    return func.coalesce(a.snapshot["audience"].as_string(), "everyone") != "education"


def of_an_academy(a: Any, stem_labels: Sequence[str] = ()) -> Any:
    """The STEM-kalender lists an activity only when its organizer is linked to an academy
    (the registry's organizer ids; issue 15), or, when ACTIVITIES_STEM_LABELS is set, when
    it carries one of those UiT labels (ADR 0013): UiTdatabank sends whatever its
    organizers publish, and a "Testing Museumpas event" is no STEM offer. The others are
    stored, not listed; ops see their organizers (`GET /organizers/unknown`). Linking one
    sets the activities' `academy_id` (`catalogue.relink`), so they are listed at once."""
    linked = a.academy_id.is_not(None)
    return or_(linked, AnyLabel(a.snapshot, stem_labels)) if stem_labels else linked


def partner_listed(activity: Activity, stem_labels: Sequence[str] = ()) -> bool:
    """`partner_visible` of one activity in memory: what the read API answers as `listed`,
    so the gateway applies the same rule to an activity asked by id (issue 18)."""
    labelled = bool(set(activity.labels) & {label.lower() for label in stem_labels})
    return (
        activity.public
        and not activity.withdrawn
        and (activity.academy_id is not None or labelled)
        and (activity.audience or "everyone") != "education"
    )


def partner_visible(a: Any, stem_labels: Sequence[str] = ()) -> list[Any]:
    """What every partner surface (listing, calendar summary) requires of an activity."""
    return [a.listed.is_(True), of_an_academy(a, stem_labels), _open_to_all(a)]


def _conditions(filters: Filters) -> list[Any]:
    a, o = activities.c, activity_occurrences.c
    conditions: list[Any] = partner_visible(a, filters.stem_labels)
    if filters.start is not None or filters.end is not None:
        in_period = [o.activity_id == a.activity_id]
        if filters.end is not None:
            in_period.append(o.start <= filters.end.astimezone(UTC))
        if filters.start is not None:
            in_period.append(func.coalesce(o.end, o.start) >= filters.start.astimezone(UTC))
        has_dates = exists().where(o.activity_id == a.activity_id)
        # Permanent activities have no dates: in any period that they are available in.
        permanent: list[Any] = [not_(has_dates)]
        if filters.start is not None:
            start = filters.start.astimezone(UTC)
            permanent.append(or_(a.available_to.is_(None), a.available_to >= start))
        permanent_in_time = and_(*permanent)
        conditions.append(or_(exists().where(*in_period), permanent_in_time))
    if filters.nis_codes:
        codes = list(filters.nis_codes)
        conditions.append(
            or_(
                a.nis_code.in_(codes),
                exists().where(o.activity_id == a.activity_id, o.nis_code.in_(codes)),
            )
        )
    if filters.province:
        in_province = select(municipalities.c.nis_code).where(
            func.lower(municipalities.c.province_nl) == filters.province.strip().lower()
        )
        conditions.append(a.nis_code.in_(in_province))
    if filters.academy_id:
        conditions.append(a.academy_id == filters.academy_id.strip().lower())
    if filters.theme_ids:
        t = activity_themes.c
        conditions.append(
            exists().where(t.activity_id == a.activity_id, t.theme_id.in_(filters.theme_ids))
        )
    if filters.age is not None:
        conditions.append(
            and_(a.age_min <= filters.age, or_(a.age_max.is_(None), a.age_max >= filters.age))
        )
    if filters.text:
        needle = folded(filters.text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(a.search_text.like(f"%{needle}%", escape="\\"))
    return conditions


async def list_activities(
    session: AsyncSession, filters: Filters, *, limit: int, cursor: str | None
) -> tuple[list[Activity], str | None]:
    a = activities.c
    conditions = _conditions(filters)
    if cursor is not None:
        after_start, after_id = decode_cursor(cursor)
        conditions.append(
            or_(
                a.sort_start > after_start,
                and_(a.sort_start == after_start, a.activity_id > after_id),
            )
        )
    rows = (
        await session.execute(
            select(a.snapshot, a.sort_start)
            .where(*conditions)
            .order_by(a.sort_start, a.activity_id)
            .limit(limit + 1)
        )
    ).all()
    found = [(from_snapshot(row.snapshot), row.sort_start) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit and found:
        last, sort_start = found[-1]
        moment = sort_start if sort_start.tzinfo else sort_start.replace(tzinfo=UTC)
        next_cursor = encode_cursor(last, moment)
    return [activity for activity, _ in found], next_cursor
