"""Partner agenda feeds of activities: iCalendar (RFC 5545) and schema.org `Event` JSON-LD.

iCalendar: one VEVENT per session with a stable UID, so calendar apps update rather than
duplicate; a periodic course with weekly hours is one VEVENT per weekly slot with an RRULE
(its closed days as EXDATE) in Europe/Brussels time (with its VTIMEZONE), or, when some
days have other hours, one VEVENT per session expanded by `stemkit.domain.calendar_rules`. Each
carries URL, DESCRIPTION, LOCATION and GEO when known. DTSTAMP is the activity's own
`modified`, so the same data gives the same bytes, and so the same ETag.

JSON-LD: one schema.org `Event` per session with what Google's event structured data
requires (name, startDate, location) and recommends (description, endDate,
eventAttendanceMode, eventStatus, image, offers, organizer, performer), each where the
activity has it; dates with their Brussels offset (docs/adr/0015-partner-activity.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from gateway.adapters.activities import ActivityRead
from gateway.adapters.registry import AcademyRead
from stemkit.contracts.activity_details import ActivityDetails, Localised
from stemkit.domain import calendar_rules
from stemkit.domain.richtext import plain_text

PRODID = "-//VLAIO//STEM-kalender//NL"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
BRUSSELS = ZoneInfo("Europe/Brussels")
SCHEMA = "https://schema.org/"
_ICAL_STATUS = {"available": "CONFIRMED", "temporarily_unavailable": "TENTATIVE"}
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
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def last_modified(activities: Sequence[ActivityRead]) -> datetime:
    return max((a.modified for a in activities if a.modified), default=EPOCH)


@dataclass(frozen=True)
class Texts:
    """An activity's texts in the feed's language (its main language, nl, any)."""

    description: str | None  # plain text
    url: str | None  # the page to link: UiT page, else the booking page, else sameAs

    @classmethod
    def of(cls, activity: ActivityRead, language: str) -> Texts:
        details = activity.details or ActivityDetails()
        html = _pick(details.descriptions, language, details.main_language)
        booking = details.booking.url if details.booking else None
        page = details.uit_url or booking or next(iter(details.same_as), None)
        return cls(description=None if html is None else plain_text(html), url=page)


def _pick(texts: Localised | None, language: str, main: str | None) -> str | None:
    if texts is None:
        return None
    for candidate in dict.fromkeys([language, main or "nl", "nl", "fr", "de", "en"]):
        if (text := texts.get(candidate)) is not None:
            return text
    return None


def _place(activity: ActivityRead) -> str:
    where = activity.location
    town = " ".join(p for p in (where.postal_code, where.locality) if p)
    return ", ".join(p for p in (where.name, where.street_address, town) if p)


# --- iCalendar -----------------------------------------------------------------------


def to_ical(
    activities: Sequence[ActivityRead],
    academies: Mapping[str, AcademyRead],
    language: str = "nl",
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "STEM-kalender")
    calendar.add("x-wr-timezone", "Europe/Brussels")
    for activity in activities:
        for event in _vevents(activity, academies, language):
            calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE of Europe/Brussels for RRULE events
    body: bytes = calendar.to_ical()
    return body


def _vevents(
    activity: ActivityRead, academies: Mapping[str, AcademyRead], language: str
) -> Iterator[Event]:
    rules = activity.calendar.rules() if activity.calendar is not None else None
    if rules is not None and rules.kind == "periodic" and rules.period is not None:
        if rules.hours and not rules.adjusted:
            for index, hours in enumerate(rules.hours):
                yield _weekly(activity, academies, language, index, rules, hours)
            return
        if rules.hours or rules.adjusted:  # some days with other hours: every session
            for index, session in enumerate(calendar_rules.sessions(rules)):
                start, end = session.start(), session.end()
                yield _vevent(activity, academies, language, f"s{index}", start, end)
            return
    for index, occurrence in enumerate(activity.occurrences):
        start, end = occurrence.start.astimezone(UTC), occurrence.end
        yield _vevent(activity, academies, language, str(index), start, end and end.astimezone(UTC))


def _vevent(
    activity: ActivityRead,
    academies: Mapping[str, AcademyRead],
    language: str,
    key: str,
    start: datetime,
    end: datetime | None,
) -> Event:
    event = Event()
    event.add("uid", f"{activity.activity_id}-{key}@stem-kalender")
    event.add("dtstamp", (activity.modified or EPOCH).astimezone(UTC))
    event.add("dtstart", start)
    if end is not None:
        event.add("dtend", end)
    _describe(event, activity, academies, language)
    return event


def _weekly(
    activity: ActivityRead,
    academies: Mapping[str, AcademyRead],
    language: str,
    index: int,
    rules: calendar_rules.CalendarRules,
    hours: calendar_rules.WeeklyHours,
) -> Event:
    """One weekly slot of a periodic course: its first session, repeated until the last
    day of the period, in Brussels wall-clock time (so across summer time too)."""
    assert rules.period is not None
    first = rules.period.first
    day = next(
        (
            first + timedelta(n)
            for n in range(7)
            if (first + timedelta(n)).weekday() in hours.weekdays
        ),
        first,
    )
    start = datetime.combine(day, hours.opens, BRUSSELS)
    end = datetime.combine(day, hours.closes, BRUSSELS)
    event = Event()
    event.add("uid", f"{activity.activity_id}-w{index}@stem-kalender")
    event.add("dtstamp", (activity.modified or EPOCH).astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end if end > start else end + timedelta(days=1))
    until = datetime.combine(rules.period.last, hours.closes, BRUSSELS).astimezone(UTC)
    event.add(
        "rrule",
        vRecur(freq="WEEKLY", byday=[_ICAL_DAYS[d] for d in hours.weekdays], until=until),
    )
    closed = [
        datetime.combine(d, hours.opens, BRUSSELS)
        for c in rules.closed
        for d in _days(c.first, c.last)
        if d.weekday() in hours.weekdays and rules.period.holds(d)
    ]
    if closed:
        event.add("exdate", closed)
    _describe(event, activity, academies, language)
    return event


def _days(first: date, last: date) -> Iterator[date]:
    for n in range(min((last - first).days, 3_660) + 1):
        yield first + timedelta(n)


def _describe(
    event: Event, activity: ActivityRead, academies: Mapping[str, AcademyRead], language: str
) -> None:
    texts = Texts.of(activity, language)
    event.add("summary", activity.name)
    event.add("status", _ICAL_STATUS.get(activity.status, "CANCELLED"))
    if place := _place(activity):
        event.add("location", place)
    where = activity.location
    if where.latitude is not None and where.longitude is not None:
        event.add("geo", (where.latitude, where.longitude))
    if texts.url:
        event.add("url", texts.url)
    academy = academies.get(activity.academy_id or "")
    lines = [texts.description or "", f"Door {academy.name}" if academy else "", texts.url or ""]
    if description := "\n\n".join(line for line in lines if line):
        event.add("description", description)
    if activity.theme_ids:
        event.add("categories", activity.theme_ids)


# --- schema.org JSON-LD --------------------------------------------------------------


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
        "name": _pick(details.names, language, details.main_language) or activity.name,
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
