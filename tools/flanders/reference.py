"""The registry's reference data, read as data (not through any service): municipalities
with their validity and province, a postal code and a point inside each one."""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "services" / "registry" / "src" / "registry" / "reference_data"

# The postal code of each municipality merged on 1 January 2025: Statbel's 2025 table lists
# the code under the new municipality only (1570 -> 23106 Pajottegem), while an address of
# 2019-2024 says "1570 Galmaarden". Checked against postal_codes.csv at load.
MERGED_POSTAL = {
    "11007": "2150",  # Borsbeek
    "11056": "2070",  # Zwijndrecht
    "23023": "1570",  # Galmaarden
    "23024": "1755",  # Gooik
    "23032": "1540",  # Herne
    "37007": "8760",  # Meulebeke
    "37012": "8755",  # Ruiselede
    "37015": "8700",  # Tielt
    "37018": "8750",  # Wingene
    "44012": "9840",  # De Pinte
    "44034": "9080",  # Lochristi
    "44040": "9090",  # Melle
    "44043": "9820",  # Merelbeke
    "44045": "9180",  # Moerbeke
    "44048": "9810",  # Nazareth
    "44073": "9185",  # Wachtebeke
    "46003": "9120",  # Beveren
    "46013": "9150",  # Kruibeke
    "46014": "9160",  # Lokeren
    "71022": "3500",  # Hasselt
    "71057": "3980",  # Tessenderlo
    "71069": "3945",  # Ham
    "73006": "3740",  # Bilzen
    "73009": "3840",  # Borgloon
    "73032": "3730",  # Hoeselt
    "73040": "3720",  # Kortessem
    "73083": "3700",  # Tongeren
}
PROVINCES = ("Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen")


@dataclass(frozen=True)
class Municipality:
    nis_code: str
    name: str
    province: str
    valid_from: date
    valid_to: date | None
    merged_into: str | None
    postal_code: str
    point: tuple[float, float]  # (latitude, longitude) inside its boundary

    def valid_in(self, year: int) -> bool:
        """Valid on at least one day of the year."""
        ends = self.valid_to or date(9999, 12, 31)
        return self.valid_from <= date(year, 12, 31) and ends >= date(year, 1, 1)


@dataclass(frozen=True)
class Reference:
    municipalities: dict[str, Municipality]

    def of_year(self, year: int) -> list[Municipality]:
        return sorted(
            (m for m in self.municipalities.values() if m.valid_in(year)), key=lambda m: m.nis_code
        )

    def on_boundaries_of(self, nis_code: str, year: int) -> str:
        """The municipality of `year` a place of `nis_code` lies in (successor after a merger)."""
        m = self.municipalities[nis_code]
        while not m.valid_in(year) and m.merged_into:
            m = self.municipalities[m.merged_into]
        return m.nis_code

    def by_name(self, name: str, year: int = 2022) -> Municipality:
        return next(m for m in self.of_year(year) if m.name == name)

    def venue_point(self, nis_code: str, rng: random.Random) -> tuple[float, float]:
        """A point inside the municipality's (pre-2025, where it has one) boundary."""
        geometry = _boundaries().get(nis_code)
        if geometry is None:
            return self.municipalities[nis_code].point
        west, south, east, north = geometry.bounds
        for _ in range(40):
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            if geometry.contains(Point(lon, lat)):
                return round(lat, 6), round(lon, 6)
        return self.municipalities[nis_code].point


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Km between two (latitude, longitude) points (equirectangular: Flanders is small)."""
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    y = math.radians(b[0] - a[0])
    return 6371.0 * math.hypot(x, y)


@cache
def _boundaries() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("flanders_municipalities_2025.geojson", "flanders_municipalities_2019.geojson"):
        data = json.loads((REFERENCE / name).read_text(encoding="utf-8"))
        for feature in data["features"]:  # 2019 last: a code in both keeps its older boundary
            found[feature["properties"]["nis_code"]] = shape(feature["geometry"])
    return found


@cache
def load() -> Reference:
    with (REFERENCE / "postal_codes.csv").open(encoding="utf-8") as f:
        postal_rows = list(csv.DictReader(f))
    codes: dict[str, list[str]] = {}
    for row in postal_rows:
        codes.setdefault(row["nis_code"], []).append(row["postal_code"])
    with (REFERENCE / "flemish_municipalities.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    boundaries = _boundaries()
    found: dict[str, Municipality] = {}
    for row in rows:
        nis = row["nis_code"]
        if nis in MERGED_POSTAL:
            postal = MERGED_POSTAL[nis]
            if postal not in codes.get(row["merged_into_nis"], []):
                raise ValueError(f"{postal} is not a postal code of {row['merged_into_nis']}")
        else:
            postal = min(codes[nis])
        point = boundaries[nis].representative_point()
        found[nis] = Municipality(
            nis_code=nis,
            name=row["name_nl"],
            province=row["province_nl"],
            valid_from=date.fromisoformat(row["valid_from"]),
            valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            merged_into=row["merged_into_nis"] or None,
            postal_code=postal,
            point=(round(point.y, 6), round(point.x, 6)),
        )
    return Reference(found)
