"""Partner agenda feeds of activities: iCalendar (RFC 5545) and schema.org `Event` JSON-LD.

One event per occurrence, with a stable UID, so calendar apps update rather than duplicate.
Times go out in UTC (no VTIMEZONE needed). DTSTAMP is the activity's own `modified`, so the
same data gives the same bytes, and so the same ETag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event

from gateway.adapters.activities import ActivityRead

PRODID = "-//VLAIO//STEM-kalender//NL"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_ICAL_STATUS = {"available": "CONFIRMED", "temporarily_unavailable": "TENTATIVE"}
_SCHEMA_STATUS = {
    "available": "https://schema.org/EventScheduled",
    "temporarily_unavailable": "https://schema.org/EventPostponed",
    "unavailable": "https://schema.org/EventCancelled",
}


def last_modified(activities: Sequence[ActivityRead]) -> datetime:
    return max((a.modified for a in activities if a.modified), default=EPOCH)


def _place(activity: ActivityRead) -> str:
    where = activity.location
    parts = [where.name, " ".join(p for p in (where.postal_code, where.locality) if p)]
    return ", ".join(p for p in parts if p)


def to_ical(activities: Sequence[ActivityRead], academy_names: Mapping[str, str]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "STEM-kalender")
    for activity in activities:
        for index, occurrence in enumerate(activity.occurrences):
            event = Event()
            event.add("uid", f"{activity.activity_id}-{index}@stem-kalender")
            event.add("dtstamp", (activity.modified or EPOCH).astimezone(UTC))
            event.add("dtstart", occurrence.start.astimezone(UTC))
            if occurrence.end is not None:
                event.add("dtend", occurrence.end.astimezone(UTC))
            event.add("summary", activity.name)
            event.add("status", _ICAL_STATUS.get(activity.status, "CANCELLED"))
            if place := _place(activity):
                event.add("location", place)
            if organizer := academy_names.get(activity.academy_id or ""):
                event.add("description", f"Door {organizer}")
            if activity.theme_ids:
                event.add("categories", activity.theme_ids)
            calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body


def to_jsonld(
    activities: Sequence[ActivityRead], academy_names: Mapping[str, str]
) -> dict[str, Any]:
    events = [
        _event(activity, index, occurrence.start, occurrence.end, academy_names)
        for activity in activities
        for index, occurrence in enumerate(activity.occurrences)
    ]
    return {"@context": "https://schema.org", "@graph": events}


def _event(
    activity: ActivityRead,
    index: int,
    start: datetime,
    end: datetime | None,
    academy_names: Mapping[str, str],
) -> dict[str, Any]:
    where = activity.location
    event: dict[str, Any] = {
        "@type": "Event",
        "@id": f"urn:uuid:{activity.activity_id}#{index}",
        "identifier": activity.activity_id,
        "name": activity.name,
        "startDate": start.isoformat(),
        "eventStatus": _SCHEMA_STATUS.get(activity.status, _SCHEMA_STATUS["unavailable"]),
        "location": {
            "@type": "Place",
            "name": where.name,
            "address": {
                "@type": "PostalAddress",
                "postalCode": where.postal_code,
                "addressLocality": where.locality,
                "addressCountry": "BE",
            },
        },
    }
    if end is not None:
        event["endDate"] = end.isoformat()
    if organizer := academy_names.get(activity.academy_id or ""):
        event["organizer"] = {"@type": "Organization", "name": organizer}
    if activity.age_min is not None or activity.age_max is not None:
        low, high = activity.age_min or 0, "" if activity.age_max is None else activity.age_max
        event["typicalAgeRange"] = f"{low}-{high}"
    return event
