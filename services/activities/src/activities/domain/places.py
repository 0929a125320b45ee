"""Reading where an activity happens, and place and organizer documents (uitdatabank.md §4-5, §12).

Special places: the nil location (online events), the "in consultation with the school"
place, dummy locations that only carry a name and an address, and duplicate places that
point to their canonical place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.domain import jsonld, limits
from activities.domain.model import Location, LocationKind, Organizer, Place
from stemkit.domain.uit import resource_id

NIL_PLACE = "00000000-0000-0000-0000-000000000000"
SCHOOL_PLACES = frozenset(
    {"c3f9278e-228b-4199-8f9a-b9716a17e58f", "3b92c85b-a923-4895-85f5-ed056dae11e2"}
)
_ADDRESS_PARTS = ("streetAddress", "postalCode", "addressLocality", "addressCountry")


class UnreadablePlace(ValueError):
    """A place or organizer document without the id it needs."""


def read_location(place: Any, event_language: Any, attendance_mode: Any = None) -> Location:
    """The event's location: kind, canonical place id, address and coordinates."""
    if isinstance(place, str):  # a bare reference, as written to the Entry API
        place = {"@id": place}
    if not isinstance(place, Mapping):
        nowhere: LocationKind = "online" if attendance_mode == "online" else "none"
        return Location(kind=nowhere)
    place_id = resource_id(place.get("@id"), "place")
    if place_id == NIL_PLACE:
        return Location(place_id=NIL_PLACE, kind="online")
    language = place.get("mainLanguage") or event_language
    address = _address(place.get("address"), language)
    geo = jsonld.mapping(place.get("geo"))
    country = jsonld.string(address.get("addressCountry"))
    canonical = resource_id(place.get("duplicateOf"), "place")
    kind: LocationKind = "school" if place_id in SCHOOL_PLACES else "place"
    if place_id is None:  # a legacy dummy location: only its name and address
        kind = "dummy" if address else "none"
    return Location(
        place_id=canonical or place_id,
        name=jsonld.text(place.get("name"), language),
        street_address=jsonld.string(address.get("streetAddress")),
        postal_code=jsonld.string(address.get("postalCode")),
        locality=jsonld.string(address.get("addressLocality")),
        country=country.upper() if country else None,
        kind=kind,
        latitude=_bounded(jsonld.number(geo.get("latitude")), 90),
        longitude=_bounded(jsonld.number(geo.get("longitude")), 180),
    )


def read_place(document: Any) -> Place:
    data = jsonld.mapping(document)
    place_id = resource_id(data.get("@id"), "place")
    if place_id is None:
        raise UnreadablePlace(f"no UiTdatabank place id in @id {jsonld.shown(data.get('@id'))}")
    location = read_location({**data, "duplicateOf": None}, data.get("mainLanguage"))
    beyond = limits.location_beyond(location)  # activities at this place carry its location
    if beyond is not None:
        raise UnreadablePlace(f"place {place_id}: {beyond}")
    return Place(
        place_id=place_id,
        name=location.name,
        location=location,
        canonical_id=resource_id(data.get("duplicateOf"), "place"),
        modified=jsonld.moment(data.get("modified")) or jsonld.moment(data.get("created")),
        deleted=data.get("workflowStatus") in ("DELETED", "REJECTED"),
    )


def read_organizer(document: Any) -> Organizer:
    data = jsonld.mapping(document)
    organizer_id = resource_id(data.get("@id"), "organizer")
    if organizer_id is None:
        raise UnreadablePlace(f"no UiTdatabank organizer id in @id {jsonld.shown(data.get('@id'))}")
    return Organizer(
        organizer_id=organizer_id,
        name=jsonld.text(data.get("name"), data.get("mainLanguage")),
        modified=jsonld.moment(data.get("modified")) or jsonld.moment(data.get("created")),
        deleted=data.get("workflowStatus") == "DELETED",
    )


def organizer_id_of(organizer: Any) -> str | None:
    """A "dummy organizer" has a name but no @id: nothing to link an academy to."""
    if isinstance(organizer, Mapping):
        return resource_id(organizer.get("@id"), "organizer")
    return resource_id(organizer, "organizer")


def _bounded(value: float | None, limit: float) -> float | None:
    return value if value is not None and -limit <= value <= limit else None


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
