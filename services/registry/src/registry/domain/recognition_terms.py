"""How long a recognition runs: dated parameters, so a change of the rules applies to the
decisions taken from its date and leaves earlier ones as they were."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Terms:
    effective_from: date
    provisional_years: int
    recognition_years: int
    source: str


# Newest last. subsidy-rules.md §1.1 "Review cycle" [S V15]: a first recognition is
# provisional for 1 year; if confirmed it runs 3 years and is renewed every 3 years.
TERMS = (
    Terms(
        effective_from=date(2019, 1, 1),
        provisional_years=1,
        recognition_years=3,
        source="subsidy-rules.md §1.1 (V15: erkenningsprocedure STEM-academie)",
    ),
)


def terms_on(day: date) -> Terms:
    """The terms in force on `day` (the first ones before any date)."""
    current = TERMS[0]
    for terms in TERMS:
        if terms.effective_from <= day:
            current = terms
    return current


def last_day(start: date, years: int) -> date:
    """The last day of a term of `years` that starts on `start` (29 February -> 28th)."""
    try:
        end = start.replace(year=start.year + years)
    except ValueError:
        end = start.replace(year=start.year + years, day=28) + timedelta(days=1)
    return end - timedelta(days=1)
