"""As-of lookups on the real reference data: counts per year and province, the 2025
mergers, postal codes (and their known gap before 2025), coordinates in polygons."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from importlib.resources import files

import pytest

from registry.adapters import boundaries, reference_files
from registry.domain.gazetteer import Gazetteer

BEFORE = date(2024, 6, 30)
AFTER = date(2025, 6, 30)
PROVINCES_2019_2024 = {
    "Antwerpen": 69,
    "Vlaams-Brabant": 65,
    "West-Vlaanderen": 64,
    "Oost-Vlaanderen": 60,
    "Limburg": 42,
}
PROVINCES_2025 = {
    "Antwerpen": 67,
    "Vlaams-Brabant": 63,
    "West-Vlaanderen": 62,
    "Oost-Vlaanderen": 55,
    "Limburg": 38,
}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return reference_files.gazetteer()


def _fusions() -> list[dict[str, str]]:
    text = (files("registry") / "reference_data" / "fusies_2025.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@pytest.mark.parametrize("year", range(2019, 2025))
def test_300_municipalities_in_each_year_until_2024(gazetteer: Gazetteer, year: int) -> None:
    found = gazetteer.in_year(year)
    assert len(found) == 300
    assert Counter(m.province_nl for m in found) == PROVINCES_2019_2024
    assert len(gazetteer.on(date(year, 7, 1))) == 300
    for province, expected in PROVINCES_2019_2024.items():
        assert len(gazetteer.in_year(year, province.upper())) == expected


@pytest.mark.parametrize("year", [2025, 2026, 2030])
def test_285_municipalities_from_2025(gazetteer: Gazetteer, year: int) -> None:
    found = gazetteer.in_year(year)
    assert len(found) == 285
    assert Counter(m.province_nl for m in found) == PROVINCES_2025


def test_every_merged_municipality_resolves_to_its_successor(gazetteer: Gazetteer) -> None:
    fusions = _fusions()
    assert len(fusions) == 28
    assert len({row["new_nis_code"] for row in fusions}) == 13
    for row in fusions:
        successor = gazetteer.successor(row["old_nis_code"], AFTER)
        assert successor is not None
        assert (successor.nis_code, successor.name_nl) == (row["new_nis_code"], row["new_name_nl"])
        assert successor.province_nl == row["new_province_nl"]
        before = gazetteer.successor(row["old_nis_code"], BEFORE)
        assert before is not None and before.nis_code == row["old_nis_code"]
        new = row["new_nis_code"]
        assert row["old_nis_code"] in {m.nis_code for m in gazetteer.predecessors(new)}


def test_zwijndrecht_changed_province(gazetteer: Gazetteer) -> None:
    old = gazetteer.by_nis("11056", BEFORE)
    new = gazetteer.successor("11056", AFTER)
    assert old is not None and old.province_nl == "Antwerpen"
    assert new is not None and (new.nis_code, new.province_nl) == ("46030", "Oost-Vlaanderen")
    assert gazetteer.by_nis("11056", AFTER) is None


def test_an_unmerged_municipality_is_its_own_successor_and_has_no_predecessors(
    gazetteer: Gazetteer,
) -> None:
    leuven = gazetteer.successor("24062", AFTER)
    assert leuven is not None and leuven.nis_code == "24062"
    assert gazetteer.predecessors("24062") == []
    assert gazetteer.successor("99999", AFTER) is None
    assert gazetteer.by_nis("71072", BEFORE) is None  # the new Hasselt did not exist yet


def test_a_postal_code_of_an_unchanged_municipality_holds_in_both_periods(
    gazetteer: Gazetteer,
) -> None:
    for day in (date(2019, 1, 1), BEFORE, AFTER):
        answer = gazetteer.by_postal_code("3000", day)
        assert answer.municipality is not None and answer.municipality.nis_code == "24062"
    assert gazetteer.by_postal_code("0000", AFTER).candidates == ()


def test_before_2025_a_postal_code_of_a_merged_municipality_only_lists_candidates(
    gazetteer: Gazetteer,
) -> None:
    """The known gap: 54 postal codes do not say which old municipality they were in, except
    Antwerpen's, which kept its code when it absorbed Borsbeek (`stemkit.domain.places`)."""
    merged = {row["new_nis_code"] for row in _fusions()}
    postal = reference_files.postal_codes()
    gap = sorted({code for nis in merged for code in postal[nis]})
    assert len(gap) == 54
    antwerpen = set(postal["11002"])
    for code in gap:
        before = gazetteer.by_postal_code(code, BEFORE)
        assert len(before.candidates) >= 2
        if code in antwerpen:
            assert before.municipality is not None and before.municipality.nis_code == "11002"
            continue
        assert before.municipality is None
        assert before.note is not None and "coordinates" in before.note
        after = gazetteer.by_postal_code(code, AFTER)
        assert after.municipality is not None and after.municipality.nis_code in merged
    borsbeek = gazetteer.by_postal_code("2150", BEFORE, locality="Borsbeek").municipality
    assert borsbeek is not None and borsbeek.nis_code == "11007"
    ambiguous = [
        code
        for codes in postal.values()
        for code in codes
        if gazetteer.by_postal_code(code, BEFORE).municipality is None
    ]
    assert sorted(set(ambiguous)) == sorted([*(set(gap) - antwerpen), "1804"])


def test_coordinates_or_the_locality_settle_a_postal_code_before_2025(
    gazetteer: Gazetteer,
) -> None:
    kortessem = boundaries.inside_point("73040", BEFORE)
    hasselt = boundaries.inside_point("71022", BEFORE)
    assert kortessem is not None and hasselt is not None
    by_point = gazetteer.by_postal_code("3500", BEFORE, point=kortessem, locate=boundaries.locate)
    assert by_point.municipality is not None
    assert (by_point.municipality.nis_code, by_point.resolved_by) == ("73040", "coordinates")
    by_point = gazetteer.by_postal_code("3500", BEFORE, point=hasselt, locate=boundaries.locate)
    assert by_point.municipality is not None and by_point.municipality.nis_code == "71022"
    by_name = gazetteer.by_postal_code("3500", BEFORE, locality=" kortessem ")
    assert by_name.municipality is not None and by_name.resolved_by == "locality"
    # Coordinates outside every candidate leave the question open.
    leuven = boundaries.inside_point("24062", BEFORE)
    unsettled = gazetteer.by_postal_code("3500", BEFORE, point=leuven, locate=boundaries.locate)
    assert unsettled.municipality is None


def test_1804_lies_in_two_municipalities(gazetteer: Gazetteer) -> None:
    answer = gazetteer.by_postal_code("1804", AFTER, locality="Zemst")
    assert {m.nis_code for m in answer.candidates} == {"23088", "23096"}
    assert answer.municipality is not None and answer.municipality.nis_code == "23096"


@pytest.mark.parametrize(("day", "count"), [(BEFORE, 300), (AFTER, 285)])
def test_a_point_inside_each_polygon_resolves_to_its_municipality(
    gazetteer: Gazetteer, day: date, count: int
) -> None:
    current = gazetteer.on(day)
    assert len(current) == count
    for municipality in current:
        point = boundaries.inside_point(municipality.nis_code, day)
        assert point is not None, municipality
        assert boundaries.contains(municipality.nis_code, day, point)
        assert boundaries.locate(*point, day) == municipality.nis_code


def test_a_point_outside_flanders_is_nowhere() -> None:
    assert boundaries.locate(4.3517, 50.8503, AFTER) is None  # Brussels
    assert boundaries.locate(5.5797, 50.6326, AFTER) is None  # Liège
