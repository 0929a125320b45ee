"""UiTdatabank JSON-LD of the plan's offers, in the shapes real documents have
(../shared/docs/uitdatabank.md, ../shared/uitdatabank/): embedded place and organizer,
periodic courses with openingHours and closed days, camps as one subEvent per day,
permanent offers, French documents, legacy ones (plain-string name, no mainLanguage,
dates without a zone, singular upper-case @ids, a dummy location), and later versions
(an extra closed day, a cancelled session, a new name, a deletion)."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tools.flanders.plan import Offer, Plan
from tools.flanders.reference import Reference
from tools.flanders.registry import NAMESPACE

BRUSSELS = ZoneInfo("Europe/Brussels")
IO = "https://io.uitdatabank.be"
SCHOOL_PLACE = f"{IO}/places/c3f9278e-228b-4199-8f9a-b9716a17e58f"  # "in overleg met de school"
EVENT_TYPES = {
    "course": ("0.3.1.0.0", "Lessenreeks"),
    "saturdays": ("0.3.1.0.0", "Lessenreeks"),
    "camp": ("0.57.0.0.0", "Kamp of vakantie"),
    "workshop": ("0.3.1.0.0", "Cursus of workshop"),  # the older label of the same id (§6)
    "school": ("0.3.1.0.0", "Cursus of workshop"),
    "permanent": ("0.3.1.0.0", "Lessenreeks"),
}
VENUES = (
    "Gemeentelijke basisschool",
    "Bibliotheek",
    "Jeugdhuis",
    "Cultureel centrum",
    "Campus",
    "Sporthal",
)
FRENCH_VENUES = ("École communale", "Bibliothèque", "Centre culturel")


def moment(day: date, clock: str, *, zone: bool = True) -> str:
    hours, minutes = map(int, clock.split(":"))
    local = datetime.combine(day, time(hours, minutes), BRUSSELS)
    return local.isoformat() if zone else local.replace(tzinfo=None).isoformat()


def stamp(at: datetime) -> str:
    return at.replace(tzinfo=BRUSSELS).isoformat()


def organizer(offer: Offer, *, legacy: bool = False) -> dict[str, Any]:
    if legacy:  # legacy: singular path, upper-case id, a plain-string name
        return {
            "@id": f"http://udb-silex.uitdatabank.be/organizer/{offer.organizer_id.upper()}",
            "@type": "Organizer",
            "name": offer.organizer_name,
        }
    lang = offer.language
    return {
        "@id": f"{IO}/organizers/{offer.organizer_id}",
        "@type": "Organizer",
        "mainLanguage": lang,
        "name": {lang: offer.organizer_name},
        "url": f"https://example.org/demo/{offer.organizer_id[:8]}",
        "workflowStatus": "ACTIVE",
    }


def place(offer: Offer, ref: Reference, *, legacy: bool = False) -> dict[str, Any]:
    if offer.nis is None:
        return {
            "@id": SCHOOL_PLACE,
            "@type": "Place",
            "mainLanguage": "nl",
            "name": {"nl": "Locatie in overleg met de school"},
            "workflowStatus": "APPROVED",
        }
    m = ref.municipalities[offer.nis]
    seed = f"place:{offer.organizer_id}:{offer.nis}:{offer.venue}"
    place_id = str(uuid.uuid5(NAMESPACE, seed))
    rng = random.Random(seed)
    lat, lon = ref.venue_point(m.nis_code, rng)
    lang = offer.language
    venue = rng.choice(FRENCH_VENUES if lang == "fr" else VENUES)
    street = "Rue de la Démo" if lang == "fr" else "Demostraat"
    address = {
        "addressCountry": "BE",
        "addressLocality": m.name,  # before 2025 the old municipality's name (1570 Galmaarden)
        "postalCode": m.postal_code,
        "streetAddress": f"{street} {rng.randint(1, 180)}",
    }
    name = f"[DEMO] {venue} {m.name}"
    if legacy:  # a dummy location: no @id, only its name and address (uitdatabank.md §4)
        return {"@type": "Place", "name": name, "address": {"nl": address}}
    return {
        "@id": f"{IO}/places/{place_id}",
        "@type": "Place",
        "mainLanguage": lang,
        "name": {lang: name},
        "address": {lang: address},
        "geo": {"latitude": lat, "longitude": lon},
        "calendarType": "permanent",
        "terms": [
            {
                "id": "rJRFUqmd6EiqTD4c7HS90w",
                "label": "School of onderwijscentrum",
                "domain": "eventtype",
            }
        ],
        "workflowStatus": "APPROVED",
    }


def _calendar(offer: Offer, *, legacy: bool) -> dict[str, Any]:
    if offer.calendar in ("multiple", "single"):
        subs = [
            {
                "@type": "Event",
                "id": n,
                "startDate": moment(day, opens, zone=not legacy),
                "endDate": moment(day, closes, zone=not legacy),
                "status": {"type": "Available"},
            }
            for n, (day, opens, closes) in enumerate(offer.days)
        ]
        if legacy:
            for sub in subs:
                sub.pop("id")
                sub.pop("status")
        return {
            "calendarType": "single" if len(subs) == 1 else "multiple",
            "startDate": subs[0]["startDate"],
            "endDate": subs[-1]["endDate"],
            "subEvent": subs,
        }
    assert offer.weekly is not None
    days, opens, closes = offer.weekly
    hours = [{"dayOfWeek": list(days), "opens": opens, "closes": closes}]
    if offer.calendar == "permanent":
        return {"calendarType": "permanent", "openingHours": hours}
    assert offer.period is not None
    first, last = offer.period
    return {
        "calendarType": "periodic",
        "startDate": moment(first, "00:00"),
        "endDate": moment(last, "23:59"),
        "openingHours": hours,
        "openingHoursClosedDays": [
            {"startDate": a.isoformat(), "endDate": b.isoformat()} for a, b in offer.closed
        ],
    }


def event(offer: Offer, ref: Reference, version: int = 1) -> dict[str, Any]:
    """The event document as UiTdatabank's Entry API returns it (version 2: the later one)."""
    legacy = offer.legacy
    lang = offer.language
    name = f"[DEMO] {offer.title}"
    if version == 2 and offer.update == "rename":
        name = f"[DEMO] {offer.title} (vernieuwd)"
    created = offer.created
    modified = created + timedelta(days=1 if version == 1 else 12, hours=version)
    type_id, type_label = EVENT_TYPES[offer.kind]
    theme_id, theme_label = offer.theme
    doc: dict[str, Any] = {
        "@id": f"{IO}/events/{offer.event_id}",
        "@context": "/contexts/event",
        "@type": "Event",
        "mainLanguage": lang,
        "name": {lang: name},
        "description": {lang: _description(offer)},
        "languages": [lang],
        "completedLanguages": [lang],
        **_calendar(offer, legacy=legacy),
        "location": place(offer, ref, legacy=legacy),
        "organizer": organizer(offer, legacy=legacy),
        "terms": [
            {"id": type_id, "label": type_label, "domain": "eventtype"},
            {"id": theme_id, "label": theme_label, "domain": "theme"},
        ],
        "labels": ["STEM-academie", "[DEMO]"],
        "audience": {"audienceType": offer.audience},
        "priceInfo": [
            {
                "category": "base",
                "name": {lang: "Basistarief"},
                "price": 0 if offer.kind == "workshop" else 45,
                "priceCurrency": "EUR",
            }
        ],
        "bookingInfo": {
            "url": f"https://example.org/demo/{offer.event_id[:8]}",
            "urlLabel": {lang: "Inschrijven"},
        },
        "status": {"type": offer.status},
        "attendanceMode": "offline",
        "workflowStatus": offer.workflow,
        "availableFrom": stamp(created),
        "created": stamp(created),
        "modified": stamp(modified),
        "creator": "demo@example.org",
    }
    if offer.ages:
        doc["typicalAgeRange"] = offer.ages
    if offer.calendar == "permanent":
        doc["availableTo"] = "2100-01-01T00:00:00+00:00"
    if legacy:  # UDB2-era shape (uitdatabank.md §14)
        doc["@id"] = f"http://udb-silex.uitdatabank.be/event/{offer.event_id.upper()}"
        doc["@context"] = "/api/1.0/event.jsonld"
        doc["name"] = name
        doc["description"] = _description(offer)
        doc["created"] = created.isoformat()
        doc["modified"] = modified.isoformat()
        doc["bookingInfo"] = []
        for key in (
            "mainLanguage",
            "languages",
            "completedLanguages",
            "@type",
            "attendanceMode",
            "status",
        ):
            doc.pop(key, None)
    if version == 2:
        _later(doc, offer)
    return doc


def _later(doc: dict[str, Any], offer: Offer) -> None:
    if offer.deleted_later:
        doc["workflowStatus"] = "DELETED"
    elif offer.update == "closed_day" and offer.calendar == "periodic":
        sessions = offer.sessions()
        extra = sessions[len(sessions) // 2]  # e.g. the teacher is ill: one more closed day
        doc["openingHoursClosedDays"].append(
            {"startDate": extra.isoformat(), "endDate": extra.isoformat()}
        )
    elif offer.update == "cancel_session" and len(doc.get("subEvent", [])) >= 3:
        doc["subEvent"][1]["status"] = {"type": "Unavailable", "reason": {"nl": "Afgelast"}}


def _description(offer: Offer) -> str:
    if offer.language == "fr":
        return "Activité STEM fictive ([DEMO]) pour enfants et jeunes."
    return (
        f"<p>Fictieve STEM-activiteit ([DEMO]) van {offer.organizer_name}.</p>"
        "<p>Voor kinderen en jongeren in hun vrije tijd.</p>"
    )


def versions(offer: Offer) -> int:
    return 2 if offer.update or offer.deleted_later else 1


def all_documents(plan: Plan, ref: Reference) -> list[tuple[str, int, dict[str, Any]]]:
    """(event id, version, document) for every version, first versions first."""
    first = [(o.event_id, 1, event(o, ref)) for o in plan.offers]
    later = [(o.event_id, 2, event(o, ref, 2)) for o in plan.offers if versions(o) == 2]
    return first + later
