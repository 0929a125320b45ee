"""Dates, availability and age of an event (uitdatabank.md §3, §8, §9).

Every calendar type: single and multiple from `subEvent` (older documents have only the
top-level dates), periodic as one range, permanent without dates. Dates without a zone
are Brussels time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any

from activities.domain import jsonld
from activities.domain.model import BRUSSELS, Occurrence, Status

FOREVER = datetime(2100, 1, 1, tzinfo=UTC)  # UiTdatabank's "no end" (docs/exceptions.md)
# Courses (Lessenreeks) and camps leave calendars when they start, not when they end.
UNTIL_START_TYPES = frozenset({"0.3.1.0.0", "0.57.0.0.0"})
STATUS: dict[str, Status] = {
    "Available": "available",
    "TemporarilyUnavailable": "temporarily_unavailable",
    "Unavailable": "unavailable",
}
_AGE_RANGE = re.compile(r"^\s*(\d{0,3})\s*-\s*(\d{0,3})\s*$")


class NoUsableDate(ValueError):
    """An event that is not permanent but has no date that can be read."""


def status(value: Any) -> Status | None:
    kind = value.get("type") if isinstance(value, Mapping) else value
    return STATUS.get(kind) if isinstance(kind, str) else None


def occurrences(document: Mapping[str, Any]) -> tuple[Occurrence, ...]:
    calendar_type = document.get("calendarType")
    if calendar_type == "permanent":
        return ()
    found = _dated(jsonld.items(document.get("subEvent"))) or _dated([document])
    if not found:
        raise NoUsableDate(
            f"no usable date: calendarType {calendar_type!r} without a readable "
            "subEvent[].startDate or startDate"
        )
    return tuple(sorted(found, key=lambda o: (o.start, o.end or o.start, o.status or "")))


def _dated(items: list[Mapping[str, Any]]) -> set[Occurrence]:
    found = set()
    for item in items:
        start = jsonld.moment(item.get("startDate"))
        if start is None:
            continue
        end = jsonld.moment(item.get("endDate"))
        found.add(
            Occurrence(
                start=start,
                end=end if end is not None and end >= start else None,
                status=status(item.get("status")),
            )
        )
    return found


def availability(
    document: Mapping[str, Any], dates: tuple[Occurrence, ...], type_ids: tuple[str, ...]
) -> tuple[datetime | None, datetime]:
    """(availableFrom, availableTo): as given, else derived the way UiTdatabank does."""
    available_from = jsonld.moment(document.get("availableFrom"))
    given = jsonld.moment(document.get("availableTo"))
    if given is not None:
        return available_from, given
    if not dates:
        return available_from, FOREVER
    if UNTIL_START_TYPES.intersection(type_ids):
        until = dates[0].start
    else:
        until = max(o.end or o.start for o in dates)
    local = until.astimezone(BRUSSELS)
    if local.time() == time(0, 0):  # a date without a time means the whole day
        until = local.replace(hour=23, minute=59, second=59).astimezone(UTC)
    return available_from, until


def age_range(value: Any) -> tuple[int | None, int | None]:
    """typicalAgeRange "min-max": an empty min is 0, an empty max is open ended, "-" is all
    ages; anything else (like "4/10", or min over max) is unknown: (None, None)."""
    if not isinstance(value, str):
        return None, None
    match = _AGE_RANGE.match(value)
    if match is None:
        return None, None
    low = int(match.group(1)) if match.group(1) else 0
    high = int(match.group(2)) if match.group(2) else None
    if high is not None and high < low:
        return None, None
    return low, high
