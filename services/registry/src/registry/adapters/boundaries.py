"""Municipality boundaries (GeoJSON, WGS84) for coordinates -> municipality, with shapely.

Two periods: the 2019-2024 boundaries and those from 2025. Each has an STRtree over its
polygons, so a point is tested only against the few polygons whose box holds it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any

# shapely ships no type information (no py.typed); its use stays inside this module.
from shapely import (  # type: ignore[import-untyped]
    STRtree,
    coverage_simplify,
    set_precision,
)
from shapely.geometry import Point, mapping, shape  # type: ignore[import-untyped]

from registry.adapters import reference_files

MERGERS_TAKE_EFFECT = date(2025, 1, 1)
# Rounded as the boundary files are (6 decimals, about 0.1 m).
PRECISION = 6


def period_of(day: date) -> str:
    return "2025" if day >= MERGERS_TAKE_EFFECT else "2019"


@dataclass(frozen=True)
class _Period:
    nis_codes: tuple[str, ...]
    geometries: tuple[Any, ...]
    tree: Any
    geojson: tuple[dict[str, Any], ...]


@cache
def _period(period: str) -> _Period:
    features = reference_files.boundaries(period)["features"]
    codes = tuple(str(f["properties"]["nis_code"]) for f in features)
    geometries = tuple(shape(f["geometry"]) for f in features)
    return _Period(codes, geometries, STRtree(geometries), tuple(f["geometry"] for f in features))


def geometry(nis_code: str, on: date) -> dict[str, Any] | None:
    """The municipality's GeoJSON geometry (WGS84, 6 decimals as in the files) in the
    period of `on`; None when that period's file does not have it."""
    period = _period(period_of(on))
    if nis_code not in period.nis_codes:
        return None
    return copy.deepcopy(period.geojson[period.nis_codes.index(nis_code)])


def locate(longitude: float, latitude: float, on: date) -> str | None:
    """The NIS code of the municipality the point lies in on that day (None outside Flanders).

    A point on a shared border touches two polygons; the lower NIS code is answered, so the
    answer never depends on the order of the file.
    """
    period = _period(period_of(on))
    hits = period.tree.query(Point(longitude, latitude), predicate="intersects")
    codes = sorted(period.nis_codes[int(i)] for i in hits)
    return codes[0] if codes else None


def inside_point(nis_code: str, on: date) -> tuple[float, float] | None:
    """A point guaranteed inside the municipality's polygon (longitude, latitude)."""
    period = _period(period_of(on))
    if nis_code not in period.nis_codes:
        return None
    geometry = period.geometries[period.nis_codes.index(nis_code)]
    point = geometry.representative_point()
    rounded = (round(point.x, PRECISION), round(point.y, PRECISION))
    # Rounding may push a point on a sliver outside; fall back to the unrounded point.
    if not geometry.contains(Point(*rounded)):
        return (float(point.x), float(point.y))
    return rounded


def contains(nis_code: str, on: date, point: tuple[float, float]) -> bool:
    """Whether the municipality's polygon in the period of `on` holds the point."""
    period = _period(period_of(on))
    return bool(period.geometries[period.nis_codes.index(nis_code)].contains(Point(*point)))


# A map needs far less than the files' 0.1 m: 0.001 degrees (about 70-110 m) is under a
# pixel on a map of Flanders, and 5 decimals (about 1 m) are plenty for what is left.
MAP_TOLERANCE = 0.001
MAP_PRECISION = 5


@lru_cache(maxsize=8)  # bounded: the tolerance comes from a query string
def map_features(period: str, tolerance: float) -> tuple[dict[str, Any], ...]:
    """Every municipality of a period as a GeoJSON Feature (properties nis_code, name_nl,
    province_nl), simplified together (`shapely.coverage_simplify`), so that neighbours keep
    one shared border: no gaps or overlaps, as simplifying each polygon alone would leave."""
    found = _period(period)
    properties = [f["properties"] for f in reference_files.boundaries(period)["features"]]
    shapes = coverage_simplify(list(found.geometries), tolerance) if tolerance > 0 else None
    geometries = found.geometries if shapes is None else tuple(shapes)
    return tuple(
        {
            "type": "Feature",
            "properties": {
                "nis_code": str(given["nis_code"]),
                "name_nl": given.get("name_nl"),
                "province_nl": given.get("province_nl"),
            },
            "geometry": mapping(set_precision(geometry, 10**-MAP_PRECISION)),
        }
        for given, geometry in zip(properties, geometries, strict=True)
    )
