"""From a UiTdatabank event JSON-LD document to an `Activity` (uitdatabank.md §1-9).

Lenient: it normalises what it can and leaves out what it cannot read. Only a document
without an event id, a name or any date of change is unusable (`UnreadableDocument`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.domain import jsonld
from activities.domain.model import Activity, Location, Occurrence, Status
from stemkit.uit import resource_id

PUBLIC_WORKFLOW = frozenset({"READY_FOR_VALIDATION", "APPROVED"})  # what calendars show
_STATUS: dict[str, Status] = {
    "Available": "available",
    "TemporarilyUnavailable": "temporarily_unavailable",
    "Unavailable": "unavailable",
}
_ADDRESS_PARTS = ("streetAddress", "postalCode", "addressLocality", "addressCountry")


class UnreadableDocument(ValueError):
    """The document lacks what an activity needs at least; the message says what."""


def read_event(document: Any) -> Activity:
    if not isinstance(document, Mapping):
        raise UnreadableDocument("the document is not a JSON object")
    activity_id = resource_id(document.get("@id"), "event")
    if activity_id is None:
        raise UnreadableDocument(
            f"no UiTdatabank event id in @id {document.get('@id')!r} (expected .../event[s]/<uuid>)"
        )
    main = document.get("mainLanguage")
    name = jsonld.text(document.get("name"), main)
    if name is None:
        raise UnreadableDocument(f"event {activity_id} has no name")
    # `modified` orders versions; `created` stands in on documents that were never changed.
    modified = jsonld.moment(document.get("modified")) or jsonld.moment(document.get("created"))
    if modified is None:
        raise UnreadableDocument(f"event {activity_id} has neither a modified nor a created date")
    return Activity(
        activity_id=activity_id,
        name=name,
        modified=modified,
        organizer_id=_organizer_id(document.get("organizer")),
        occurrences=_occurrences(document),
        location=_location(document.get("location"), main),
        theme_ids=_theme_ids(document.get("terms")),
        status=_status(document.get("status")),
        public=document.get("workflowStatus") in PUBLIC_WORKFLOW,
    )


def _organizer_id(organizer: Any) -> str | None:
    # A "dummy organizer" has a name but no @id: nothing to link an academy to.
    if isinstance(organizer, Mapping):
        return resource_id(organizer.get("@id"), "organizer")
    return resource_id(organizer, "organizer")


def _occurrences(document: Mapping[str, Any]) -> tuple[Occurrence, ...]:
    if document.get("calendarType") == "permanent":
        return ()
    sub_events = document.get("subEvent")
    items = (
        [i for i in sub_events if isinstance(i, Mapping)] if isinstance(sub_events, list) else []
    )
    # Older single/multiple documents have no subEvent, only top-level dates (§3).
    found = _dated(items) or _dated([document])
    return tuple(sorted(found, key=lambda o: (o.start, o.end or o.start)))


def _dated(items: list[Mapping[str, Any]]) -> set[Occurrence]:
    found = set()
    for item in items:
        start = jsonld.moment(item.get("startDate"))
        if start is not None:
            found.add(Occurrence(start=start, end=jsonld.moment(item.get("endDate"))))
    return found


def _location(place: Any, event_language: Any) -> Location:
    if not isinstance(place, Mapping):
        return Location()
    language = place.get("mainLanguage") or event_language
    address = _address(place.get("address"), language)
    country = jsonld.string(address.get("addressCountry"))
    return Location(
        place_id=resource_id(place.get("@id"), "place"),
        name=jsonld.text(place.get("name"), language),
        postal_code=jsonld.string(address.get("postalCode")),
        locality=jsonld.string(address.get("addressLocality")),
        country=country.upper() if country else None,
    )


def _address(value: Any, language: Any) -> Mapping[str, Any]:
    """The address by mainLanguage -> nl -> any, preferring a complete one; translations
    may be missing or `{}`, and older documents have one address without languages."""
    if not isinstance(value, Mapping):
        return {}
    if any(part in value for part in _ADDRESS_PARTS):
        return value
    candidates = [c for c in jsonld.localised_candidates(value, language) if isinstance(c, Mapping)]
    for candidate in candidates:
        if all(jsonld.string(candidate.get(part)) for part in _ADDRESS_PARTS):
            return candidate
    return next((c for c in candidates if c), {})


def _theme_ids(terms: Any) -> tuple[str, ...]:
    if not isinstance(terms, list):
        return ()
    # Labels change over time; only the term id is stable (§6).
    ids = {
        jsonld.string(term.get("id"))
        for term in terms
        if isinstance(term, Mapping) and term.get("domain") == "theme"
    }
    return tuple(sorted(i for i in ids if i))


def _status(value: Any) -> Status:
    kind = value.get("type") if isinstance(value, Mapping) else value
    return _STATUS.get(kind, "available") if isinstance(kind, str) else "available"
