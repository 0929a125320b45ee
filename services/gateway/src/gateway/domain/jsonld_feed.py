"""The schema.org `Event` JSON-LD feed of activities: one `Event` per session with what
Google's event structured data requires (name, startDate, location) and recommends
(description, endDate, eventAttendanceMode, eventStatus, image, offers, organizer,
performer), each where the activity has it; dates with their Brussels offset
(docs/adr/0015-partner-activity.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from gateway.adapters.activities import ActivityRead
from gateway.adapters.registry import AcademyRead
from gateway.domain.feeds import BRUSSELS, Texts, pick
from stemkit.contracts.activity_details import ActivityDetails
from stemkit.domain import calendar_rules

SCHEMA = "https://schema.org/"
_SCHEMA_STATUS = {
    "available": SCHEMA + "EventScheduled",
    "temporarily_unavailable": SCHEMA + "EventPostponed",
    "unavailable": SCHEMA + "EventCancelled",
}
_MODES = {
    "offline": SCHEMA + "OfflineEventAttendanceMode",
    "online": SCHEMA + "OnlineEventAttendanceMode",
    "mixed": SCHEMA + "MixedEventAttendanceMode",
}


def to_jsonld(
    activities: Sequence[ActivityRead],
    academies: Mapping[str, AcademyRead],
    language: str = "nl",
) -> dict[str, Any]:
    events = [
        _event(activity, key, start, end, academies, language)
        for activity in activities
        for key, start, end in _sessions(activity)
    ]
    return {"@context": "https://schema.org", "@graph": events}


def _sessions(activity: ActivityRead) -> Iterator[tuple[str, datetime, datetime | None]]:
    """The sessions with their Brussels offset: a periodic course's expanded, else its dates."""
    rules = activity.calendar.rules() if activity.calendar is not None else None
    periodic = rules is not None and rules.kind == "periodic" and rules.period is not None
    if rules is not None and periodic and (rules.hours or rules.adjusted):
        for index, session in enumerate(calendar_rules.sessions(rules)):
            end = session.end()
            yield (
                f"s{index}",
                session.start().astimezone(BRUSSELS),
                end and end.astimezone(BRUSSELS),
            )
        return
    for index, occurrence in enumerate(activity.occurrences):
        end = occurrence.end
        yield str(index), occurrence.start.astimezone(BRUSSELS), end and end.astimezone(BRUSSELS)


def _event(
    activity: ActivityRead,
    key: str,
    start: datetime,
    end: datetime | None,
    academies: Mapping[str, AcademyRead],
    language: str,
) -> dict[str, Any]:
    details = activity.details or ActivityDetails()
    texts = Texts.of(activity, language)
    mode = details.attendance_mode or (
        "online" if activity.location.kind == "online" else "offline"
    )
    event: dict[str, Any] = {
        "@type": "Event",
        "@id": f"urn:uuid:{activity.activity_id}#{key}",
        "identifier": activity.activity_id,
        "name": pick(details.names, language, details.main_language) or activity.name,
        "startDate": start.isoformat(),
        "eventStatus": _SCHEMA_STATUS.get(activity.status, _SCHEMA_STATUS["unavailable"]),
        "eventAttendanceMode": _MODES[mode],
        "location": _location(activity, details, mode),
    }
    if end is not None:
        event["endDate"] = end.isoformat()
    if details.main_language:
        event["inLanguage"] = details.main_language
    if texts.description:
        event["description"] = texts.description
    if texts.url:
        event["url"] = texts.url
    if details.same_as:
        event["sameAs"] = list(details.same_as)
    if details.images:
        event["image"] = [image.url for image in details.images]
    if offers := _offers(details, texts.url):
        event["offers"] = offers
    if organizer := _organizer(activity, details, academies):
        event["organizer"] = organizer
    if details.performers:
        event["performer"] = [{"@type": "Person", "name": name} for name in details.performers]
    if activity.age_min is not None or activity.age_max is not None:
        low, high = activity.age_min or 0, "" if activity.age_max is None else activity.age_max
        event["typicalAgeRange"] = f"{low}-{high}"
    return event


def _location(activity: ActivityRead, details: ActivityDetails, mode: str) -> Any:
    where = activity.location
    virtual = {"@type": "VirtualLocation", "url": details.online_url or details.uit_url}
    if mode == "online" or where.kind == "online":
        return virtual
    address = {
        "@type": "PostalAddress",
        "streetAddress": where.street_address,
        "postalCode": where.postal_code,
        "addressLocality": where.locality,
        "addressCountry": where.country or "BE",
    }
    place: dict[str, Any] = {
        "@type": "Place",
        "name": where.name or where.locality,
        "address": {k: v for k, v in address.items() if v is not None},
    }
    if where.latitude is not None and where.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": where.latitude,
            "longitude": where.longitude,
        }
    return [place, virtual] if mode == "mixed" and virtual["url"] else place


def _offers(details: ActivityDetails, page: str | None) -> dict[str, Any] | None:
    """schema.org `Offer`: url, price, priceCurrency, availability, validFrom (Google)."""
    booking = details.booking
    url = (booking.url if booking else None) or page
    base = details.price.categories[0] if details.price and details.price.categories else None
    if url is None and base is None:
        return None
    sold_out = details.booking_availability == "unavailable"
    offer: dict[str, Any] = {
        "@type": "Offer",
        "availability": SCHEMA + ("SoldOut" if sold_out else "InStock"),
    }
    if url:
        offer["url"] = url
    if base is not None:
        offer["price"] = base.price
        offer["priceCurrency"] = base.currency
    if booking and booking.available_from:
        offer["validFrom"] = booking.available_from.astimezone(BRUSSELS).isoformat()
    return offer


def _organizer(
    activity: ActivityRead, details: ActivityDetails, academies: Mapping[str, AcademyRead]
) -> dict[str, Any] | None:
    academy = academies.get(activity.academy_id or "")
    uit = details.organizer
    name = (academy.name if academy else None) or (uit.name if uit else None)
    if name is None:
        return None
    organizer: dict[str, Any] = {"@type": "Organization", "name": name}
    if url := (academy.website if academy else None) or (uit.url if uit else None):
        organizer["url"] = url
    if uit and uit.emails:
        organizer["email"] = uit.emails[0]
    if uit and uit.phones:
        organizer["telephone"] = uit.phones[0]
    return organizer
