"""Which municipality (NIS code) a location lies in, on a given day, from the registry's
reference data.

The registry publishes each municipality with its validity in time, its postal codes, a
centroid and its boundary (a GeoJSON polygon of its own period). With coordinates, the
municipality valid on the day whose polygon holds the point decides (`BoundaryIndex`, an
STRtree). Without coordinates, or when no polygon holds them, the postal code does: nearly
every Flemish postal code lies in one municipality; where one lies in several (1804:
Vilvoorde and Zemst), or where the registry lists a municipality before and after a
merger, the version valid on the day, then the locality's name, then (with coordinates)
the nearest centroid among those candidates decide.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

# shapely ships no type information (no py.typed); its use stays inside this module.
from shapely import STRtree  # type: ignore[import-untyped]
from shapely.geometry import Point, shape  # type: ignore[import-untyped]

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


class BoundaryIndex:
    """The municipalities' polygons in one STRtree (every period at once: a hit counts
    only when its municipality is valid on the day asked). Built once per change of the
    copy, then shared by every document; a geometry that is not valid GeoJSON is left out."""

    def __init__(self, entries: Iterable[tuple[Municipality, Mapping[str, Any]]]) -> None:
        municipalities: list[Municipality] = []
        geometries: list[Any] = []
        for municipality, geojson in entries:
            try:
                geometry = shape(geojson)
            except Exception:  # bad reference data must not stop resolution
                continue
            if geometry.is_empty:
                continue
            municipalities.append(municipality)
            geometries.append(geometry)
        self._municipalities = tuple(municipalities)
        self._tree = STRtree(geometries) if geometries else None

    def __len__(self) -> int:
        return len(self._municipalities)

    def locate(self, longitude: float, latitude: float, day: date) -> str | None:
        """The NIS code of the municipality valid on `day` whose polygon holds the point;
        on a shared border the lower NIS code (never the order of the data); None if none."""
        if self._tree is None:
            return None
        hits = self._tree.query(Point(longitude, latitude), predicate="intersects")
        found = [self._municipalities[int(i)] for i in hits]
        codes = sorted(m.nis_code for m in found if m.valid_on(day))
        if not codes and found and all(day < m.valid_from for m in found):
            # Before the reference data starts: its first boundaries are the best there are.
            first = min(m.valid_from for m in found)
            codes = sorted(m.nis_code for m in found if m.valid_from == first)
        return codes[0] if codes else None


def resolve(
    location: Location,
    candidates: Sequence[Municipality],
    day: date,
    boundaries: BoundaryIndex | None = None,
) -> tuple[str | None, str | None]:
    """(NIS code, None) or (None, why not): coordinates first (point in polygon), then the
    postal code and locality."""
    if location.kind == "online":
        return None, "online: the nil location has no municipality"
    if location.kind == "school":
        return None, "location in consultation with the school: no address"
    if location.country not in (None, "BE"):
        return None, f"abroad: address country {location.country}"
    latitude, longitude = location.latitude, location.longitude
    has_point = latitude is not None and longitude is not None
    if latitude is not None and longitude is not None and boundaries is not None:
        found = boundaries.locate(longitude, latitude, day)
        if found is not None:
            return found, None
    if not location.postal_code:
        if not has_point:
            return None, "no postal code in the address"
        if boundaries is None or not len(boundaries):
            return None, "only coordinates: no municipality boundaries known yet"
        return None, (
            f"only coordinates, and ({location.latitude}, {location.longitude}) lie in no "
            f"Flemish municipality valid on {day.isoformat()}"
        )
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
