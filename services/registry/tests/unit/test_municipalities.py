"""Municipalities through time, and the reference data files the registry ships."""

from __future__ import annotations

from collections import Counter
from datetime import date

from registry.adapters import reference_files
from registry.domain.municipality import Municipality

HASSELT_OLD = Municipality(
    "71022", "Hasselt", "Limburg", date(2019, 1, 1), date(2024, 12, 31), "71072"
)
HASSELT_NEW = Municipality("71072", "Hasselt", "Limburg", date(2025, 1, 1))


def test_a_municipality_counts_in_every_year_it_was_valid_on_some_day() -> None:
    assert HASSELT_OLD.valid_in(2019)
    assert HASSELT_OLD.valid_in(2024)
    assert not HASSELT_OLD.valid_in(2025)
    assert not HASSELT_NEW.valid_in(2024)
    assert HASSELT_NEW.valid_in(2025)
    assert HASSELT_NEW.valid_in(2040)


def test_the_reference_file_has_300_municipalities_until_2024_and_285_from_2025() -> None:
    rows = reference_files.municipalities()
    assert len(rows) == 312
    assert len({m.nis_code for m in rows}) == 312
    for year in range(2019, 2025):
        assert sum(m.valid_in(year) for m in rows) == 300
    assert sum(m.valid_in(2025) for m in rows) == 285
    ceased = [m for m in rows if m.valid_to is not None]
    assert len(ceased) == 27
    assert all(m.merged_into_nis for m in ceased)
    assert Counter(m.province_nl for m in rows if m.valid_in(2025)) == {
        "Antwerpen": 67,
        "Vlaams-Brabant": 63,
        "West-Vlaanderen": 62,
        "Oost-Vlaanderen": 55,
        "Limburg": 38,
    }


def test_postal_codes_belong_to_the_285_municipalities_of_2025() -> None:
    current = {m.nis_code for m in reference_files.municipalities() if m.valid_in(2025)}
    by_nis = reference_files.postal_codes()
    assert set(by_nis) == current
    assert sum(len(codes) for codes in by_nis.values()) == 522
    assert by_nis["24062"] == ["3000", "3001", "3010", "3012", "3018"]
    assert "1804" in by_nis["23088"] and "1804" in by_nis["23096"]
