"""Dated parameters: every file valid, values by date, fail closed, overrides."""

from __future__ import annotations

from datetime import date

import pytest

from stemkit.domain.age_groups import age_group
from subsidy.domain.allocation import in_order, pro_rata
from subsidy.domain.parameters import Override, UnknownParameter, load_parameters

PARAMS = load_parameters()


def test_every_parameter_file_has_a_unit_and_dated_values_with_a_status() -> None:
    assert len(PARAMS.parameters) >= 40
    for param in PARAMS.parameters.values():
        assert param.unit and param.description and param.values
        assert all(v.status in ("stated", "inferred", "unknown") for v in param.values)
        assert all(v.value is not None for v in param.values if v.status != "unknown")


def test_stated_values_are_those_of_the_sources() -> None:
    on = date(2023, 1, 1)
    assert PARAMS.get("stem/calls/uitrollers_2023/amount_per_postcode_eur", on) == 1500
    assert PARAMS.get("stem/calls/uitrollers_2023/max_per_academy_eur", on) == 30000
    assert PARAMS.lookup("stem/target_age/min", date(2020, 6, 1)).value == 5


def test_a_value_holds_from_its_date_and_unknown_fails_closed() -> None:
    with pytest.raises(UnknownParameter, match="stem/target_age/min"):
        PARAMS.get("stem/target_age/min", date(2021, 1, 1))
    with pytest.raises(UnknownParameter, match="uitrollers_2023/amount_per_postcode_eur"):
        PARAMS.get("stem/calls/uitrollers_2023/amount_per_postcode_eur", date(2022, 12, 31))


def test_the_newest_override_wins_and_says_who_and_why() -> None:
    name = "stem/calls/academies_2021/amount_per_unit_eur"
    first = Override(name, date(2021, 1, 1), 800, "a", date(2026, 1, 1), "first reading")
    later = Override(name, date(2021, 1, 1), 900, "b", date(2026, 2, 1), "corrected")
    used = PARAMS.with_overrides([first, later]).lookup(name, date(2021, 1, 1))
    assert (used.value, used.status, used.override) == (900, "override", later)
    demo = Override(name, date(2021, 1, 1), 1, "demo", date(2026, 1, 1), "x", illustrative=True)
    assert PARAMS.with_overrides([demo]).lookup(name, date(2021, 6, 1)).status == "illustrative"


def test_allocations() -> None:
    from decimal import Decimal as D

    assert pro_rata([D(1500), D(1500)], D(1000)) == [D(500), D(500)]
    assert pro_rata([D(1500), D(1500)], None) == [D(1500), D(1500)]
    assert in_order([D(1500), D(1500)], D(2000)) == [D(1500), D(500)]


@pytest.mark.parametrize(
    ("low", "high", "group"),
    [(6, 12, "under_14"), (14, None, "14_and_over"), (10, 16, "both"), (None, None, "unknown")],
)
def test_age_groups(low: int | None, high: int | None, group: str) -> None:
    assert age_group(low, high) == group
