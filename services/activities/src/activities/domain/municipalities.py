"""Which municipality (NIS code) a location lies in, on a given day, from the registry's
reference data.

The registry publishes each municipality with its validity in time, its postal codes and
a centroid (no boundaries). Nearly every Flemish postal code lies in one municipality;
where one lies in several (1804: Vilvoorde and Zemst), or where the registry lists a
municipality before and after a merger, the version valid on the day, then the locality's
name, then (with coordinates) the nearest centroid among those candidates decide. From
coordinates alone nothing is resolved: a centroid is no boundary.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from activities.domain.model import Location


@dataclass(frozen=True)
class Municipality:
    nis_code: str
    name_nl: str
    valid_from: date
    valid_to: date | None = None  # last valid day; None while valid
    province_nl: str | None = None
    centroid: tuple[float, float] | None = None  # (latitude, longitude)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def resolve(
    location: Location, candidates: Sequence[Municipality], day: date
) -> tuple[str | None, str | None]:
    """(NIS code, None) or (None, why not)."""
    if location.kind == "online":
        return None, "online: the nil location has no municipality"
    if location.kind == "school":
        return None, "location in consultation with the school: no address"
    if location.country not in (None, "BE"):
        return None, f"abroad: address country {location.country}"
    if not location.postal_code:
        if location.latitude is not None:
            return None, "only coordinates: municipality boundaries are needed to resolve them"
        return None, "no postal code in the address"
    if not candidates:
        return None, f"postal code {location.postal_code} is not in the registry's municipalities"
    nis_code = resolve_nis_code(
        candidates, locality=location.locality, country=location.country, day=day
    )
    if nis_code is None:
        nis_code = _nearest(candidates, location, day)
    if nis_code is None:
        return None, (
            f"postal code {location.postal_code} lies in several municipalities and "
            f"locality {location.locality!r} decides none"
        )
    return nis_code, None


def resolve_nis_code(
    candidates: Sequence[Municipality], *, locality: str | None, country: str | None, day: date
) -> str | None:
    """The NIS code of the one municipality that fits, or None when none or several do."""
    if country not in (None, "BE") or not candidates:
        return None
    if len({c.nis_code for c in candidates}) == 1:
        return candidates[0].nis_code
    # The reference data may start after the activity's day: then time cannot decide.
    in_time = [c for c in candidates if c.valid_on(day)] or list(candidates)
    if len(in_time) == 1:
        return in_time[0].nis_code
    wanted = _folded(locality)
    named = [c for c in in_time if wanted and _folded(c.name_nl) == wanted]
    return named[0].nis_code if len(named) == 1 else None


def _nearest(candidates: Sequence[Municipality], location: Location, day: date) -> str | None:
    """Among the candidates of one postal code, the nearest centroid to the coordinates."""
    if location.latitude is None or location.longitude is None:
        return None
    lat, lon = location.latitude, location.longitude
    in_time = [c for c in candidates if c.valid_on(day) and c.centroid is not None]
    if not in_time:
        return None

    def distance(c: Municipality) -> float:
        clat, clon = c.centroid or (0.0, 0.0)
        return math.hypot(clat - lat, (clon - lon) * math.cos(math.radians(lat)))

    return min(in_time, key=distance).nis_code


def _folded(name: str | None) -> str:
    """Case, accents, spaces and hyphens do not matter:
    "Sint-Genesius-Rode" ~ "sint genesius rode".
    """
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())
