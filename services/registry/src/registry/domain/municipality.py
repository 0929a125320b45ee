"""Flemish municipalities through time (reference data). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stemkit.domain.validity import valid_during, valid_on

# The reference data starts on 2019-01-01 ("valid on that day", not a creation date), so a
# year before it would look empty rather than unknown.
FIRST_YEAR = 2019


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class Municipality:
    nis_code: str
    name_nl: str
    province_nl: str
    valid_from: date
    valid_to: date | None = None
    merged_into_nis: str | None = None

    def valid_in(self, year: int) -> bool:
        """Valid on at least one day of `year` (a municipality that ceased mid-year counts)."""
        return valid_during(self.valid_from, self.valid_to, *year_bounds(year))

    def valid_on(self, day: date) -> bool:
        return valid_on(self.valid_from, self.valid_to, day)
