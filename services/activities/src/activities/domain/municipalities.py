"""Which municipality (NIS code) a location lies in, on a given day, from the registry's
reference data.

The registry publishes each municipality with its validity in time, its successor after a
merger, its postal codes (Statbel's 2025 table), a centroid and its boundary (a GeoJSON
polygon of its own period). The rule and its precedence are `stemkit.domain.places` (shared with
the subsidy service and the registry): the address first, on the session's day (before
2025 a merged municipality's postal code stands for the old municipalities, the locality
name picks one), then the coordinates (`BoundaryIndex`, an STRtree), and a disagreement
between them is flagged for ops.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

# shapely ships no type information (no py.typed); its use stays inside this module.
from shapely import STRtree  # type: ignore[import-untyped]
from shapely.geometry import Point, shape  # type: ignore[import-untyped]

from activities.domain.model import Location, MunicipalityPeriod
from stemkit.domain import place_periods, places, validity


@dataclass(frozen=True)
class Municipality:
    nis_code: str
    name_nl: str
    valid_from: date
    valid_to: date | None = None  # last valid day; None while valid
    province_nl: str | None = None
    centroid: tuple[float, float] | None = None  # (latitude, longitude)
    merged_into_nis: str | None = None  # the successor after a merger

    def valid_on(self, day: date) -> bool:
        return validity.valid_on(self.valid_from, self.valid_to, day)

    def area(self) -> places.Area:
        return places.Area(
            self.nis_code,
            self.name_nl,
            self.valid_from,
            self.valid_to,
            self.merged_into_nis,
            self.centroid,
        )


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

    def change_days(self) -> set[date]:
        """The days a boundary starts or ends being valid (`place_periods.periods`)."""
        return {m.valid_from for m in self._municipalities} | {
            date.fromordinal(m.valid_to.toordinal() + 1)
            for m in self._municipalities
            if m.valid_to is not None
        }

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


def _not_resolvable(location: Location) -> str | None:
    if location.kind == "online":
        return "online: the nil location has no municipality"
    if location.kind == "school":
        return "location in consultation with the school: no address"
    if location.country not in (None, "BE"):
        return f"abroad: address country {location.country}"
    return None


def _facts(location: Location) -> places.PlaceFacts:
    return places.PlaceFacts(
        location.postal_code, location.locality, location.latitude, location.longitude
    )


def resolve(
    location: Location,
    candidates: Sequence[Municipality],
    day: date,
    boundaries: BoundaryIndex | None = None,
) -> tuple[str | None, str | None]:
    """(NIS code, None) or (None, why not) on `day` (`stemkit.domain.places.resolve_place`).
    `candidates`: the municipalities of the postal code in any period."""
    found = resolve_on(location, candidates, day, boundaries)
    return found.nis_code, found.reason


def resolve_on(
    location: Location,
    candidates: Sequence[Municipality],
    day: date,
    boundaries: BoundaryIndex | None = None,
) -> places.Resolution:
    why_not = _not_resolvable(location)
    if why_not is not None:
        return places.Resolution(None, reason=why_not)
    locate = boundaries.locate if boundaries is not None and len(boundaries) else None
    found = places.resolve_place(_facts(location), day, [c.area() for c in candidates], locate)
    if found.nis_code is None and not location.postal_code:
        has_point = location.latitude is not None and location.longitude is not None
        if has_point and locate is None:
            return places.Resolution(
                None, reason="only coordinates: no municipality boundaries known yet"
            )
        if has_point:
            return places.Resolution(
                None,
                reason=(
                    f"only coordinates, and ({location.latitude}, {location.longitude}) lie "
                    f"in no Flemish municipality valid on {day.isoformat()}"
                ),
            )
    return found


def periods(
    location: Location,
    candidates: Sequence[Municipality],
    boundaries: BoundaryIndex | None = None,
) -> tuple[MunicipalityPeriod, ...]:
    """The location's municipality per period of the reference data (pre-2025, from 2025),
    so that a consumer picks the one of a session's day."""
    if _not_resolvable(location) is not None:
        return ()
    locate = boundaries.locate if boundaries is not None and len(boundaries) else None
    change_days = boundaries.change_days() if boundaries is not None else set()
    found = place_periods.periods(
        _facts(location), [c.area() for c in candidates], locate, change_days
    )
    return tuple(
        MunicipalityPeriod(p.first, p.last, p.nis_code, p.by, p.disagreement) for p in found
    )
