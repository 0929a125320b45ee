"""Resolving a municipality from a postal code, a locality and a day (`stemkit.domain.places`
through the activities' `resolve`)."""

from __future__ import annotations

from datetime import date

from activities.domain.model import Location
from activities.domain.municipalities import Municipality, periods
from activities.domain.municipalities import resolve as resolve_location

LEUVEN = Municipality("24062", "Leuven", date(2019, 1, 1))
VILVOORDE = Municipality("23088", "Vilvoorde", date(2019, 1, 1))
ZEMST = Municipality("23096", "Zemst", date(2019, 1, 1))
GALMAARDEN = Municipality(
    "23023", "Galmaarden", date(2019, 1, 1), date(2024, 12, 31), merged_into_nis="23106"
)
GOOIK = Municipality(
    "23024", "Gooik", date(2019, 1, 1), date(2024, 12, 31), merged_into_nis="23106"
)
PAJOTTEGEM = Municipality("23106", "Pajottegem", date(2025, 1, 1))
DAY = date(2025, 5, 1)


def resolve(
    *candidates: Municipality, locality: str | None = None, day: date = DAY, country: str = "BE"
) -> str | None:
    location = Location(kind="place", postal_code="1000", locality=locality, country=country)
    return resolve_location(location, candidates, day)[0]


def test_one_municipality_for_the_postal_code() -> None:
    assert resolve(LEUVEN, locality="Heverlee") == "24062"


def test_unknown_postal_code() -> None:
    assert resolve() is None


def test_a_foreign_address_is_never_resolved() -> None:
    assert resolve(LEUVEN, locality="Leuven", country="NL") is None


def test_a_postal_code_of_two_municipalities_is_decided_by_the_locality() -> None:
    assert resolve(VILVOORDE, ZEMST, locality="zemst") == "23096"
    assert resolve(VILVOORDE, ZEMST, locality="Eppegem") is None  # a deelgemeente: unsure
    assert resolve(VILVOORDE, ZEMST) is None


def test_a_merger_is_decided_by_the_day_and_the_locality() -> None:
    olds = (GALMAARDEN, GOOIK, PAJOTTEGEM)
    assert resolve(*olds, locality="Galmaarden", day=date(2022, 6, 1)) == "23023"
    assert resolve(*olds, locality="Galmaarden", day=date(2025, 6, 1)) == "23106"
    # Before 2025 the postal code alone cannot tell Galmaarden from Gooik.
    assert resolve(*olds, locality="Tollembeek", day=date(2022, 6, 1)) is None


def test_before_the_reference_data_starts_the_locality_decides() -> None:
    olds = (GALMAARDEN, GOOIK, PAJOTTEGEM)
    assert resolve(*olds, locality="Galmaarden", day=date(2017, 1, 1)) == "23023"


def test_names_match_regardless_of_case_accents_and_hyphens() -> None:
    a = Municipality("23101", "Sint-Genesius-Rode", date(2019, 1, 1))
    b = Municipality("23102", "Linkebeek", date(2019, 1, 1))

    assert resolve(a, b, locality="SINT GENESIUS RODÉ") == "23101"


def test_the_periods_say_the_municipality_before_and_from_the_merger() -> None:
    location = Location(kind="place", postal_code="1570", locality="Galmaarden", country="BE")
    found = periods(location, [GALMAARDEN, GOOIK, PAJOTTEGEM])
    assert [(p.first, p.last, p.nis_code, p.by) for p in found] == [
        (None, date(2024, 12, 31), "23023", "locality"),
        (date(2025, 1, 1), None, "23106", "postal_code"),
    ]
