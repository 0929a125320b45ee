"""Every service dates its copy of the registry's municipalities by the one rule,
`stemkit.domain.validity.valid_on` (valid_to inclusive), not by a rule of its own."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from activities.domain.municipalities import Municipality as ActivitiesMunicipality
from registry.domain.municipality import Municipality as RegistryMunicipality
from stemkit.domain.validity import valid_on
from subsidy.domain.municipalities import Municipality as SubsidyMunicipality

FROM, TO = date(2019, 1, 1), date(2024, 12, 31)


class Dated(Protocol):
    def valid_on(self, day: date) -> bool: ...


EDGES = [FROM - timedelta(days=1), FROM, TO, TO + timedelta(days=1)]


def test_each_service_s_municipality_is_valid_on_the_days_of_the_one_rule() -> None:
    for valid_to in (TO, None):
        copies: list[Dated] = [
            RegistryMunicipality("23023", "Galmaarden", "Vlaams-Brabant", FROM, valid_to),
            ActivitiesMunicipality("23023", "Galmaarden", FROM, valid_to),
            SubsidyMunicipality("23023", "Galmaarden", "Vlaams-Brabant", FROM, valid_to),
        ]
        for day in EDGES:
            expected = valid_on(FROM, valid_to, day)
            assert [m.valid_on(day) for m in copies] == [expected] * 3, (valid_to, day)
