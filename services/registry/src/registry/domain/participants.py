"""Voluntary participant reports: per academy per period (a year or a quarter), optionally
split under 14 / 14 and over. Pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.domain.errors import InvalidInput

FIRST_YEAR, LAST_YEAR = 2019, 2100
MAX_PARTICIPANTS = 1_000_000


@dataclass(frozen=True)
class Report:
    report_id: str
    academy_id: str
    year: int
    quarter: int | None  # None: the whole year
    participants: int
    under_14: int | None
    from_14: int | None
    reported_on: date
    supersedes: str | None = None
    superseded_by: str | None = None


def check_report(
    year: int, quarter: int | None, participants: int, under_14: int | None, from_14: int | None
) -> None:
    """Raises InvalidInput naming each bad field."""
    errors: dict[str, str] = {}
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = f"a year from {FIRST_YEAR} to {LAST_YEAR}"
    if quarter is not None and not 1 <= quarter <= 4:
        errors["quarter"] = "1 to 4, or null for the whole year"
    counts = {"participants": participants, "under_14": under_14, "from_14": from_14}
    for field, value in counts.items():
        if value is not None and not 0 <= value <= MAX_PARTICIPANTS:
            errors[field] = f"from 0 to {MAX_PARTICIPANTS}"
    if (under_14 is None) != (from_14 is None):
        errors["under_14" if under_14 is None else "from_14"] = (
            "give both parts of the split (under 14, 14 and over) or neither"
        )
    elif under_14 is not None and from_14 is not None and under_14 + from_14 != participants:
        errors.setdefault(
            "participants", f"the split adds up to {under_14 + from_14}, not {participants}"
        )
    if errors:
        raise InvalidInput(errors)


@dataclass(frozen=True)
class Completeness:
    """How many of the academies recognised in a year reported participants for it."""

    year: int
    recognised: int
    reported: int
    not_reported: tuple[str, ...]

    @property
    def share(self) -> float | None:
        return None if self.recognised == 0 else round(self.reported / self.recognised, 4)
