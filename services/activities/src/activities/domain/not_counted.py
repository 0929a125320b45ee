"""Why an academy's UiTdatabank activity proves no reach, as far as this service knows it
(issue 21: the self-service "not counted" list). Pure.

- No municipality: a session's place resolves to no Flemish municipality on its date. The
  reason is told from the stored location: no usable address, a postal code the registry
  does not know, or an address outside Flanders (abroad, Brussels, Wallonia).
- Quarantined: a delivery that could not become an activity, attributed to an organizer
  from what the delivery itself holds (`organizer_in`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from activities.domain.documents import Document, parse
from activities.domain.places import organizer_id_of
from activities.domain.reader import UnreadableDocument

PlaceReason = Literal["no_address", "unknown_postal_code", "outside_flanders", "not_on_date"]

# Belgian postal codes outside Flanders: Brussels (1000-1299), Walloon Brabant (1300-1499)
# and the Walloon provinces (4000-7999) (bpost's numbering by province).
_NOT_FLEMISH_POSTAL = ((1000, 1499), (4000, 7999))


def flemish_nis(nis_code: str) -> bool:
    """Flemish NIS codes: provinces 1, 23/24, 3, 4, 7 (as the subsidy service's rule)."""
    return nis_code[:1] in {"1", "3", "4", "7"} or nis_code[:2] in {"23", "24"}


def _belgian_outside_flanders(postal_code: str) -> bool:
    code = postal_code.strip()
    if not (len(code) == 4 and code.isdigit()):
        return False
    return any(low <= int(code) <= high for low, high in _NOT_FLEMISH_POSTAL)


def place_reason(location: Mapping[str, Any], nis_code: str | None = None) -> PlaceReason:
    """Why a session at this (snapshot) location has no Flemish municipality; `nis_code`:
    the one it did resolve to, when that lies outside Flanders."""
    if nis_code is not None and not flemish_nis(nis_code):
        return "outside_flanders"
    country = location.get("country")
    if country not in (None, "", "BE"):
        return "outside_flanders"
    if location.get("kind") in ("online", "school"):
        return "no_address"
    postal_code = location.get("postal_code")
    if not postal_code:
        return "no_address"
    if _belgian_outside_flanders(str(postal_code)):
        return "outside_flanders"
    reason = str(location.get("unresolved_reason") or "")
    if "has no municipality on" in reason or location.get("nis_code"):
        return "not_on_date"  # the postal code is known, not for that day
    return "unknown_postal_code"


Attribution = tuple[str | None, str | None, str | None]  # (kind, item id, organizer id)


def organizer_in(body: str) -> Attribution:
    """What a stored delivery says of itself: its kind, its item's id and its organizer,
    when the body names one. A whole event names its organizer; an organizer's document or
    notification is that organizer; a thin event notification names only the event (its
    organizer is the one of the stored version, if any: the caller looks that up); a place
    and an unreadable body name none."""
    try:
        found = parse(body)
    except (UnreadableDocument, RecursionError):
        return None, None, None
    if found.kind == "organizer":
        return found.kind, found.item_id, found.item_id
    if isinstance(found, Document) and found.kind == "event":
        return found.kind, found.item_id, organizer_id_of(found.body.get("organizer"))
    return found.kind, found.item_id, None


def name_in(body: str) -> str | None:
    """The document's name in any language, when the body is a whole document that has one
    (for a reader who does not know the id)."""
    try:
        found = parse(body)
    except (UnreadableDocument, RecursionError):
        return None
    if not isinstance(found, Document):
        return None
    name = found.body.get("name")
    if isinstance(name, str):
        return name[:200] or None
    if isinstance(name, Mapping):
        main = found.body.get("mainLanguage")
        for key in (main, "nl", *name.keys()):
            text = name.get(key) if isinstance(key, str) else None
            if isinstance(text, str) and text.strip():
                return text[:200]
    return None
