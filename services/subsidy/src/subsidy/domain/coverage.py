"""Coverage of Flanders by reach: per year (on that year's municipalities) and between years
(optionally on the later year's boundaries, predecessors mapped to their successors). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from subsidy.domain.municipalities import Gazetteer
from subsidy.domain.reach import Proof


@dataclass
class ProvinceCoverage:
    province: str
    reached: list[str] = field(default_factory=list)
    not_reached: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.reached) + len(self.not_reached)


def reached_in(proofs: Iterable[Proof], year: int, gazetteer: Gazetteer) -> set[str]:
    """NIS codes reached in `year`, on that year's municipalities."""
    return {gazetteer.on_boundaries_of(p.nis_code, year) for p in proofs if p.year == year}


def coverage(reached: set[str], year: int, gazetteer: Gazetteer) -> list[ProvinceCoverage]:
    """Per province: the year's municipalities reached and not reached (NIS codes)."""
    provinces: dict[str, ProvinceCoverage] = {}
    for m in gazetteer.of_year(year):
        entry = provinces.setdefault(m.province, ProvinceCoverage(m.province))
        (entry.reached if m.nis_code in reached else entry.not_reached).append(m.nis_code)
    return [provinces[name] for name in sorted(provinces)]


@dataclass(frozen=True)
class YearComparison:
    from_year: int
    to_year: int
    boundaries_of: int | None
    newly_reached: tuple[str, ...]
    dropped: tuple[str, ...]


def compare(
    earlier: set[str],
    later: set[str],
    years: tuple[int, int],
    gazetteer: Gazetteer,
    *,
    boundaries_of: int | None = None,
) -> YearComparison:
    """Newly reached and dropped municipalities between two years. With `boundaries_of`,
    both years are mapped onto that year's municipalities first (a merger is then no change)."""
    if boundaries_of is not None:
        earlier = {gazetteer.on_boundaries_of(n, boundaries_of) for n in earlier}
        later = {gazetteer.on_boundaries_of(n, boundaries_of) for n in later}
    return YearComparison(
        years[0],
        years[1],
        boundaries_of,
        tuple(sorted(later - earlier)),
        tuple(sorted(earlier - later)),
    )
