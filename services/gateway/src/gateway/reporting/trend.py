"""A year of the report's trend: reached, newly reached and dropped, activities, months
without any, themes and age groups (named when they are the STEM ones)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from gateway.adapters.registry import MunicipalityRead
from gateway.adapters.subsidy import CoverageRead
from gateway.reporting.model import Count, Place, TrendYear
from gateway.reporting.reach import by_name, place
from gateway.reporting.source import CalendarSummaryRead

# UiTdatabank theme ids relevant to STEM (uitdatabank.md §6); others are shown by their id.
THEMES = {
    "1.25.0.0.0": "Wetenschap",
    "1.21.0.0.0": "Computer en techniek",
    "1.64.0.0.0": "Milieu en natuur",
    "1.63.0.0.0": "Landbouw en platteland",
    "1.65.0.0.0": "Voeding",
    "1.42.0.0.0": "Creativiteit",
    "": "(no theme)",
}
AGE_GROUPS = {
    "under_14": "under 14",
    "14_and_over": "14 and over",
    "both": "under 14 and over (the range spans 14)",
    "unknown": "unknown (no age range)",
}


def _counts(
    found: dict[str, int], labels: dict[str, str], order: Iterable[str] = ()
) -> list[Count]:
    rank = {key: n for n, key in enumerate(order)}
    counts = [Count(key=k, label=labels.get(k, k), count=v) for k, v in found.items() if v]
    return sorted(counts, key=lambda c: (rank.get(c.key, len(rank)), -c.count, c.key))


def trend_year(
    year: int,
    coverage: CoverageRead,
    summary: CalendarSummaryRead,
    changes: tuple[list[str], list[str]] | None,
    places: dict[str, MunicipalityRead],
    today: date,
) -> TrendYear:
    # Months that are over (all twelve of a closed year) and hold no activity at all.
    last_month = 12 if year < today.year else today.month - 1
    empty = tuple(m for m in range(1, last_month + 1) if not summary.months.get(f"{m:02d}", 0))

    def named(codes: list[str]) -> tuple[Place, ...]:
        return tuple(sorted((place(n, places) for n in codes), key=by_name))

    return TrendYear(
        year=year,
        reached=coverage.reached,
        total=coverage.total,
        newly_reached=None if changes is None else named(changes[0]),
        dropped=None if changes is None else named(changes[1]),
        activities=summary.activities,
        empty_months=empty,
        themes=tuple(_counts(summary.themes, THEMES)),
        age_groups=tuple(_counts(summary.age_groups, AGE_GROUPS, AGE_GROUPS)),
    )
