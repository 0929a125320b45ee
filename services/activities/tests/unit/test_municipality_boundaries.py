"""Resolving a municipality from coordinates: point in polygon on the registry's boundaries
(the real 2019 and 2025 boundary files the registry publishes from), else the postal code."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from activities.domain.model import Location
from activities.domain.municipalities import BoundaryIndex, Municipality, resolve, resolve_on

REFERENCE = Path(__file__).resolve().parents[3] / "registry/src/registry/reference_data"

LEUVEN = Municipality("24062", "Leuven", date(2019, 1, 1))
GALMAARDEN = Municipality("23023", "Galmaarden", date(2019, 1, 1), date(2024, 12, 31))
PAJOTTEGEM = Municipality("23106", "Pajottegem", date(2025, 1, 1))
VAARTKOM = (50.8863, 4.7063)  # Leuven, Vaartkom (latitude, longitude)
PARIS = (48.8566, 2.3522)


@cache
def _geometries(period: str) -> dict[str, dict[str, Any]]:
    text = (REFERENCE / f"flanders_municipalities_{period}.geojson").read_text(encoding="utf-8")
    return {str(f["properties"]["nis_code"]): f["geometry"] for f in json.loads(text)["features"]}


def index() -> BoundaryIndex:
    return BoundaryIndex(
        [
            (LEUVEN, _geometries("2025")["24062"]),
            (GALMAARDEN, _geometries("2019")["23023"]),
            (PAJOTTEGEM, _geometries("2025")["23106"]),
        ]
    )


def at(point: tuple[float, float], postal_code: str | None = None, **kw: Any) -> Location:
    return Location(
        kind="place", latitude=point[0], longitude=point[1], postal_code=postal_code, **kw
    )


def galmaarden_point() -> tuple[float, float]:
    from shapely.geometry import shape  # type: ignore[import-untyped]

    p = shape(_geometries("2019")["23023"]).representative_point()
    return (p.y, p.x)


def test_a_point_in_leuven_resolves_to_leuven() -> None:
    assert resolve(at(VAARTKOM), [], date(2025, 5, 1), index()) == ("24062", None)


def test_a_point_in_a_merged_municipality_resolves_to_the_code_of_the_day() -> None:
    point = galmaarden_point()
    assert resolve(at(point), [], date(2024, 12, 31), index()) == ("23023", None)
    assert resolve(at(point), [], date(2025, 1, 1), index()) == ("23106", None)


def test_before_the_reference_data_starts_its_first_boundaries_decide() -> None:
    assert resolve(at(galmaarden_point()), [], date(2017, 4, 22), index()) == ("23023", None)


def test_the_address_wins_over_coordinates_elsewhere_and_is_flagged() -> None:
    # 1570 is Galmaarden's postal code; the point lies in Leuven. UiTdatabank computes the
    # coordinates from the address, and the postal code is what the Uitrollers call pays.
    found = resolve_on(at(VAARTKOM, "1570"), [PAJOTTEGEM], date(2025, 5, 1), index())
    assert (found.nis_code, found.by) == ("23106", "postal_code")
    assert found.disagreement is not None and "coordinates lie in 24062" in found.disagreement


def test_without_a_polygon_the_postal_code_decides() -> None:
    only_pajottegem = BoundaryIndex([(PAJOTTEGEM, _geometries("2025")["23106"])])
    found = resolve(
        at(VAARTKOM, "3000", locality="Leuven"), [LEUVEN], date(2025, 5, 1), only_pajottegem
    )
    assert found == ("24062", None)
    # No index at all (no boundaries known yet): the postal code too.
    assert resolve(at(VAARTKOM, "3000"), [LEUVEN], date(2025, 5, 1)) == ("24062", None)


def test_without_coordinates_the_postal_code_decides() -> None:
    location = Location(kind="place", postal_code="3000", locality="Leuven")
    assert resolve(location, [LEUVEN], date(2025, 5, 1), index()) == ("24062", None)


def test_a_point_abroad_is_unresolved_with_a_reason() -> None:
    nis_code, reason = resolve(at(PARIS), [], date(2025, 5, 1), index())
    assert nis_code is None
    assert reason is not None and "no Flemish municipality" in reason


def test_only_coordinates_and_no_boundaries_yet_is_unresolved_with_a_reason() -> None:
    nis_code, reason = resolve(at(VAARTKOM), [], date(2025, 5, 1), BoundaryIndex([]))
    assert nis_code is None
    assert reason == "only coordinates: no municipality boundaries known yet"


def test_a_bad_geometry_is_left_out() -> None:
    broken = BoundaryIndex([(LEUVEN, {"type": "Polygon", "coordinates": "nonsense"})])
    assert len(broken) == 0
    assert broken.locate(VAARTKOM[1], VAARTKOM[0], date(2025, 5, 1)) is None
