"""As-of-a-date lookups over Flanders' municipalities: by NIS code, per province, by postal
code, successors and predecessors of the 2025 mergers. Pure: built from the reference data,
no I/O. Coordinates are resolved by `adapters.boundaries`, which has the polygons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from registry.domain.municipality import Municipality
from stemkit.domain import places

Locator = places.Locator


@dataclass(frozen=True)
class Merger:
    old_nis_code: str
    new_nis_code: str


@dataclass(frozen=True)
class PostalAnswer:
    """What a postal code says on a day.

    `municipality` is set when the answer is certain. Otherwise `candidates` are the
    municipalities the postal code may lie in, and `note` says why it is not certain.
    """

    postal_code: str
    on: date
    municipality: Municipality | None
    candidates: tuple[Municipality, ...]
    resolved_by: str | None = None
    note: str | None = None


class Gazetteer:
    def __init__(
        self,
        municipalities: Iterable[Municipality],
        postal_codes: Mapping[str, Sequence[str]],
        mergers: Iterable[Merger],
    ) -> None:
        self._rows = sorted(municipalities, key=lambda m: (m.nis_code, m.valid_from))
        self._by_code: dict[str, list[Municipality]] = defaultdict(list)
        for row in self._rows:
            self._by_code[row.nis_code].append(row)
        # The postal code table is Statbel's as valid from 2025: its NIS codes are 2025 codes.
        self._postal: dict[str, list[str]] = defaultdict(list)
        for nis_code, codes in postal_codes.items():
            for code in codes:
                self._postal[code].append(nis_code)
        self._successor = {m.old_nis_code: m.new_nis_code for m in mergers}
        self._predecessors: dict[str, list[str]] = defaultdict(list)
        for old, new in sorted(self._successor.items()):
            self._predecessors[new].append(old)

    def by_nis(self, nis_code: str, on: date) -> Municipality | None:
        return next((m for m in self._by_code.get(nis_code, ()) if m.valid_on(on)), None)

    def any_by_nis(self, nis_code: str) -> Municipality | None:
        """The latest row of a NIS code, whatever the date."""
        rows = self._by_code.get(nis_code)
        return rows[-1] if rows else None

    def on(self, day: date, province: str | None = None) -> list[Municipality]:
        return [
            m
            for m in self._rows
            if m.valid_on(day) and (province is None or m.province_nl.lower() == province.lower())
        ]

    def in_year(self, year: int, province: str | None = None) -> list[Municipality]:
        """Valid on at least one day of `year`, optionally of one province."""
        return [
            m
            for m in self._rows
            if m.valid_in(year) and (province is None or m.province_nl.lower() == province.lower())
        ]

    def successor(self, nis_code: str, on: date) -> Municipality | None:
        """The municipality that holds this one's territory on `on` (itself if still valid)."""
        code: str | None = nis_code
        seen: set[str] = set()
        while code is not None and code not in seen:
            seen.add(code)
            found = self.by_nis(code, on)
            if found is not None:
                return found
            row = self.any_by_nis(code)
            code = row.merged_into_nis if row else self._successor.get(code)
        return None

    def predecessors(self, nis_code: str) -> list[Municipality]:
        """The municipalities merged into this one (Antwerpen lists itself and Borsbeek)."""
        found = (self.any_by_nis(code) for code in self._predecessors.get(nis_code, ()))
        return [m for m in found if m is not None]

    def by_postal_code(
        self,
        postal_code: str,
        on: date,
        *,
        locality: str | None = None,
        point: tuple[float, float] | None = None,
        locate: Locator | None = None,
    ) -> PostalAnswer:
        """The municipality of a postal code on a day, by the rule every service uses
        (`stemkit.domain.places.resolve_place`).

        Postal codes did not change in 2025, so the 2025 table also holds before 2025, except
        for the postal codes of the 13 merged municipalities: before 2025 the table cannot say
        which old municipality they belonged to. Then the answer lists the old municipalities
        as candidates, unless a `locality` equal to one candidate's name, coordinates
        (`point`, longitude and latitude) or the municipality that kept its code (Antwerpen)
        settle it.
        """
        areas: dict[str, Municipality] = {}
        for nis_code in self._postal.get(postal_code, ()):
            for row in (*self._by_code.get(nis_code, ()), *self.predecessors(nis_code)):
                areas.setdefault(row.nis_code, row)
        unique = tuple(m for m in areas.values() if m.valid_on(on))
        if not unique:
            return PostalAnswer(postal_code, on, None, (), note="unknown postal code on that day")
        lon, lat = point if point is not None else (None, None)
        found = places.resolve_place(
            places.PlaceFacts(postal_code, locality, lat, lon),
            on,
            [_area(m, self._successor) for m in areas.values()],
            locate if point is not None else None,
        )
        if found.nis_code is not None:
            by = None if len(unique) == 1 else found.by
            return PostalAnswer(postal_code, on, areas[found.nis_code], unique, resolved_by=by)
        return PostalAnswer(
            postal_code,
            on,
            None,
            unique,
            note="the postal code lies in more than one municipality on that day; "
            "give coordinates to settle it",
        )


def _area(m: Municipality, successor: Mapping[str, str]) -> places.Area:
    merged_into = m.merged_into_nis or successor.get(m.nis_code)
    return places.Area(
        m.nis_code,
        m.name_nl,
        m.valid_from,
        m.valid_to,
        None if merged_into == m.nis_code else merged_into,
    )
