"""The one dated resolution of a place to a municipality (`stemkit.domain.places`), on the real
reference data: Statbel's 2025 postal codes and the 2025 mergers."""

from __future__ import annotations

import csv
from datetime import date
from functools import cache
from pathlib import Path

from stemkit.domain.place_periods import on_day, periods
from stemkit.domain.places import Area, PlaceFacts, postal_candidates, resolve_place

REFERENCE = Path(__file__).resolve().parents[3] / "services/registry/src/registry/reference_data"


@cache
def areas() -> tuple[Area, ...]:
    with (REFERENCE / "flemish_municipalities.csv").open(encoding="utf-8") as f:
        return tuple(
            Area(
                row["nis_code"],
                row["name_nl"],
                date.fromisoformat(row["valid_from"]),
                date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                row["merged_into_nis"] or None,
            )
            for row in csv.DictReader(f)
        )


def candidates(postal_code: str) -> list[Area]:
    with (REFERENCE / "postal_codes.csv").open(encoding="utf-8") as f:
        listed = {row["nis_code"] for row in csv.DictReader(f) if row["postal_code"] == postal_code}
    return postal_candidates([a for a in areas() if a.nis_code in listed], areas())


def test_a_pre_2025_galmaarden_address_is_galmaarden_before_2025_and_pajottegem_after() -> None:
    place = PlaceFacts("1570", "Galmaarden")
    assert resolve_place(place, date(2022, 5, 1), candidates("1570")).nis_code == "23023"
    assert resolve_place(place, date(2024, 12, 31), candidates("1570")).nis_code == "23023"
    assert resolve_place(place, date(2025, 1, 1), candidates("1570")).nis_code == "23106"


def test_every_municipality_that_ceased_in_2024_is_found_by_its_name_before_2025() -> None:
    with (REFERENCE / "postal_codes.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ceased = [a for a in areas() if a.merged_into is not None]
    assert len(ceased) == 27
    for old in ceased:
        codes = [r["postal_code"] for r in rows if r["nis_code"] == old.merged_into]
        found = {
            resolve_place(
                PlaceFacts(code, old.name_nl), date(2022, 6, 1), candidates(code)
            ).nis_code
            for code in codes
        }
        assert found == {old.nis_code}, old.name_nl


def test_the_postal_code_alone_decides_only_where_it_can() -> None:
    # 2000 Antwerpen: Antwerpen kept its code when it absorbed Borsbeek in 2025.
    deurne = PlaceFacts("2100", "Deurne")
    assert resolve_place(deurne, date(2022, 1, 1), candidates("2100")).nis_code == "11002"
    tollembeek = PlaceFacts("1570", "Tollembeek")  # a deelgemeente of Galmaarden: unsure
    assert resolve_place(tollembeek, date(2022, 1, 1), candidates("1570")).nis_code is None
    assert (
        resolve_place(PlaceFacts("2150", "Borsbeek"), date(2022, 1, 1), candidates("2150")).nis_code
        == "11007"
    )
    assert (
        resolve_place(PlaceFacts("3000"), date(2022, 1, 1), candidates("3000")).nis_code == "24062"
    )


def test_the_address_wins_over_coordinates_and_the_disagreement_is_flagged() -> None:
    def in_leuven(_lon: float, _lat: float, _day: date) -> str:
        return "24062"

    found = resolve_place(
        PlaceFacts("1570", "Galmaarden", 50.88, 4.70),
        date(2025, 3, 1),
        candidates("1570"),
        in_leuven,
    )
    assert (found.nis_code, found.by) == ("23106", "postal_code")
    assert found.disagreement is not None and "24062" in found.disagreement


def test_coordinates_decide_what_the_address_cannot() -> None:
    def in_gooik(_lon: float, _lat: float, day: date) -> str:
        return "23024" if day.year < 2025 else "23106"

    at = PlaceFacts("1570", "Tollembeek", 50.8, 4.0)  # a deelgemeente: no municipality's name
    found = resolve_place(at, date(2022, 3, 1), candidates("1570"), in_gooik)
    assert (found.nis_code, found.by, found.disagreement) == ("23024", "coordinates", None)
    only_point = resolve_place(PlaceFacts(None, None, 50.8, 4.0), date(2022, 3, 1), [], in_gooik)
    assert only_point.nis_code == "23024"


def test_the_periods_let_a_session_date_pick_the_municipality() -> None:
    found = periods(PlaceFacts("1570", "Galmaarden"), candidates("1570"))
    assert on_day(found, date(2017, 1, 1)).nis_code == "23023"  # type: ignore[union-attr]
    assert on_day(found, date(2022, 9, 1)).nis_code == "23023"  # type: ignore[union-attr]
    assert on_day(found, date(2025, 9, 1)).nis_code == "23106"  # type: ignore[union-attr]
    assert len(found) == 2


def test_a_locality_alone_names_the_municipality_of_the_day() -> None:
    place = PlaceFacts(None, "Galmaarden")
    assert resolve_place(place, date(2022, 1, 1), [], every=areas()).nis_code == "23023"
    assert resolve_place(place, date(2025, 1, 1), [], every=areas()).nis_code == "23106"
    assert (
        resolve_place(PlaceFacts(None, "Tollembeek"), date(2022, 1, 1), [], every=areas()).nis_code
        is None
    )
