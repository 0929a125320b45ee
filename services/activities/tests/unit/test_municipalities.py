"""Resolving a municipality from a postal code, a locality and a day."""

from __future__ import annotations

from datetime import date

from activities.domain.municipalities import Municipality, resolve_nis_code

LEUVEN = Municipality("24062", "Leuven", date(2019, 1, 1))
VILVOORDE = Municipality("23088", "Vilvoorde", date(2019, 1, 1))
ZEMST = Municipality("23096", "Zemst", date(2019, 1, 1))
GALMAARDEN = Municipality("23023", "Galmaarden", date(2019, 1, 1), date(2024, 12, 31))
PAJOTTEGEM = Municipality("23106", "Pajottegem", date(2025, 1, 1))
DAY = date(2025, 5, 1)


def resolve(*candidates: Municipality, locality: str | None = None, day: date = DAY) -> str | None:
    return resolve_nis_code(candidates, locality=locality, country="BE", day=day)


def test_one_municipality_for_the_postal_code() -> None:
    assert resolve(LEUVEN, locality="Heverlee") == "24062"


def test_unknown_postal_code() -> None:
    assert resolve() is None


def test_a_foreign_address_is_never_resolved() -> None:
    assert resolve_nis_code([LEUVEN], locality="Leuven", country="NL", day=DAY) is None


def test_a_postal_code_of_two_municipalities_is_decided_by_the_locality() -> None:
    assert resolve(VILVOORDE, ZEMST, locality="zemst") == "23096"
    assert resolve(VILVOORDE, ZEMST, locality="Eppegem") is None  # a deelgemeente: unsure
    assert resolve(VILVOORDE, ZEMST) is None


def test_a_merger_is_decided_by_the_day() -> None:
    assert resolve(GALMAARDEN, PAJOTTEGEM, day=date(2024, 6, 1)) == "23023"
    assert resolve(GALMAARDEN, PAJOTTEGEM, day=date(2025, 6, 1)) == "23106"


def test_before_the_reference_data_starts_the_locality_decides() -> None:
    assert resolve(GALMAARDEN, PAJOTTEGEM, locality="Galmaarden", day=date(2017, 1, 1)) == "23023"


def test_names_match_regardless_of_case_accents_and_hyphens() -> None:
    a = Municipality("23101", "Sint-Genesius-Rode", date(2019, 1, 1))
    b = Municipality("23102", "Linkebeek", date(2019, 1, 1))

    assert resolve(a, b, locality="SINT GENESIUS RODÉ") == "23101"
