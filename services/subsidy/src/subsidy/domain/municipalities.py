"""Municipalities and postal codes through time (reference data from the registry). Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from stemkit.domain.place_periods import Period, on_day
from stemkit.domain.validity import valid_on
from subsidy.domain.reach import OccurrenceFacts


@dataclass(frozen=True)
class Municipality:
    nis_code: str
    name: str
    province: str
    valid_from: date
    valid_to: date | None = None
    merged_into: str | None = None
    postal_codes: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None

    def valid_on(self, day: date) -> bool:
        return valid_on(self.valid_from, self.valid_to, day)


class Gazetteer:
    """All municipalities ever defined; answers 'which municipalities in year Y'."""

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        self.by_nis: dict[str, Municipality] = {m.nis_code: m for m in municipalities}

    def of_year(self, year: int) -> list[Municipality]:
        """The municipalities of a year: those valid on 1 January of it."""
        day = date(year, 1, 1)
        return sorted(
            (m for m in self.by_nis.values() if m.valid_on(day)), key=lambda m: m.nis_code
        )

    def on_boundaries_of(self, nis_code: str, year: int) -> str:
        """`nis_code` mapped to the municipality of `year` it became (following mergers)."""
        day = date(year, 1, 1)
        seen = set()
        current = nis_code
        while current not in seen:
            seen.add(current)
            m = self.by_nis.get(current)
            if m is None or m.valid_on(day) or m.merged_into is None:
                return current
            current = m.merged_into
        return current

    def nearest(
        self, nis_code: str, candidates: Mapping[str, Iterable[str]], limit: int = 3
    ) -> list[tuple[str, float]]:
        """The `limit` nearest candidates (academy -> its reached NIS codes), in km."""
        origin = self.by_nis.get(nis_code)
        if origin is None or origin.latitude is None or origin.longitude is None:
            return []
        best: list[tuple[str, float]] = []
        for academy_id, places in candidates.items():
            distances = [
                _km(origin, m)
                for p in places
                if (m := self.by_nis.get(p)) and m.latitude is not None
            ]
            if distances:
                best.append((academy_id, round(min(distances), 1)))
        return sorted(best, key=lambda item: (item[1], item[0]))[:limit]


def _km(a: Municipality, b: Municipality) -> float:
    assert a.latitude is not None and a.longitude is not None
    assert b.latitude is not None and b.longitude is not None
    la1, lo1, la2, lo2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def on_session_days(
    occurrences: Sequence[OccurrenceFacts], periods: Sequence[Period]
) -> tuple[OccurrenceFacts, ...]:
    """Each session in the municipality of its own day: the location's period that holds
    the day (`stemkit.domain.places`: a pre-2025 Galmaarden address is 23023 in 2022, 23106 from
    2025). A day no period resolves has no municipality, so it proves no reach."""
    out = []
    for o in occurrences:
        period = on_day(periods, o.day)
        out.append(replace(o, nis_code=period.nis_code if period is not None else None))
    return tuple(out)
