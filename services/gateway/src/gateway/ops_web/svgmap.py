"""The municipalities of a year as SVG paths, from the registry's simplified boundaries.

An equirectangular projection scaled by cos(latitude) at Flanders' middle: over 1.3 degrees
of latitude its distortion is under 1 %, less than a pixel, so no projection library.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 960.0
MARGIN = 4.0


@dataclass(frozen=True)
class Shape:
    nis_code: str
    name: str
    province: str
    path: str  # SVG path data in the map's pixel space


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    shapes: tuple[Shape, ...]


def _rings(geometry: dict[str, Any]) -> Iterable[Sequence[Sequence[float]]]:
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
        if geometry["type"] == "MultiPolygon"
        else []
    )
    for polygon in polygons:
        yield from polygon


def draw(features: Sequence[dict[str, Any]]) -> Drawing:
    """Project GeoJSON features (properties nis_code, name_nl, province_nl) to SVG paths."""
    points = [p for f in features for ring in _rings(f["geometry"]) for p in ring]
    if not points:
        return Drawing(int(WIDTH), 0, ())
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((east - west) * squeeze)
    height = (north - south) * scale + 2 * MARGIN

    def path(geometry: dict[str, Any]) -> str:
        parts: list[str] = []
        for ring in _rings(geometry):
            previous = None
            moves: list[str] = []
            for lon, lat, *_ in ring:
                x = round(MARGIN + (lon - west) * squeeze * scale, 1)
                y = round(MARGIN + (north - lat) * scale, 1)
                if (x, y) == previous:
                    continue  # under a tenth of a pixel apart: one point on screen
                moves.append(f"{'M' if not moves else 'L'}{x:g} {y:g}")
                previous = (x, y)
            if len(moves) >= 3:
                parts.append("".join(moves) + "Z")
        return "".join(parts)

    shapes = tuple(
        Shape(
            nis_code=str(f["properties"]["nis_code"]),
            name=str(f["properties"].get("name_nl") or f["properties"]["nis_code"]),
            province=str(f["properties"].get("province_nl") or ""),
            path=path(f["geometry"]),
        )
        for f in features
    )
    return Drawing(int(WIDTH), math.ceil(height), shapes)
