"""One dated rule for "which municipality is this place in on this day", for every service.

Pure, over plain data: the services bring their copies of the registry's municipalities
(validity, successor after a merger, centroid) and, for coordinates, a `Locator` over the
boundaries of each period.

Precedence (docs/service-skeleton.md, "Places and municipalities"):

1. The postal code, as valid on the day. The postal code table is Statbel's from 2025
   (2025 NIS codes); before a merger a code of a merged municipality stands for the
   municipalities it was merged from (1570 -> Galmaarden, Gooik, Herne in 2022).
2. Several candidates: the locality name equal to one of them (case, accents, spaces and
   hyphens ignored), so "1570 Galmaarden" is 23023 in 2022 and 23106 Pajottegem from 2025.
3. Still several: the coordinates, inside the boundary of one candidate on the day; else
   the municipality that kept its code in the merger (Antwerpen, not Borsbeek); else the
   nearest candidate's centroid (with coordinates).
4. No (known) postal code: the coordinates inside a boundary valid on the day; without
   coordinates, a locality equal to one municipality's name, followed to its successor
   when that municipality no longer exists on the day ("Galmaarden" in 2025: Pajottegem).

The address wins over the coordinates because the address is what the organizer published
and what the Uitrollers call pays for (a postal code): reach and payment then rest on the
same answer. When the coordinates lie in another municipality than the address says, the
answer carries a `disagreement` for ops to look at. The answer per period of the reference
data is `stemkit.domain.place_periods`; the dated-validity rule, `stemkit.domain.validity`.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from stemkit.domain.validity import valid_on

# Locate a (longitude, latitude) on a day: the NIS code of the municipality there, or None.
Locator = Callable[[float, float, date], str | None]


@dataclass(frozen=True)
class Area:
    """A municipality as the resolution needs it."""

    nis_code: str
    name_nl: str
    valid_from: date
    valid_to: date | None = None
    merged_into: str | None = None
    centroid: tuple[float, float] | None = None  # (latitude, longitude)

    def valid_on(self, day: date) -> bool:
        return valid_on(self.valid_from, self.valid_to, day)


@dataclass(frozen=True)
class PlaceFacts:
    postal_code: str | None = None
    locality: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Resolution:
    nis_code: str | None
    by: str | None = None  # postal_code, locality, coordinates, centroid
    reason: str | None = None  # why none, when nis_code is None
    disagreement: str | None = None  # the coordinates lie in another municipality


def postal_candidates(listed: Iterable[Area], every: Iterable[Area]) -> list[Area]:
    """The municipalities a postal code may stand for in any period: those the (2025)
    postal code table lists, and every municipality merged into one of them."""
    listed = list(listed)
    codes = {a.nis_code for a in listed}
    found = {a.nis_code: a for a in listed}
    for area in every:
        if area.merged_into in codes and area.nis_code not in found:
            found[area.nis_code] = area
    return sorted(found.values(), key=lambda a: (a.nis_code, a.valid_from))


def resolve_place(
    place: PlaceFacts,
    day: date,
    candidates: Sequence[Area],
    locate: Locator | None = None,
    every: Sequence[Area] = (),
) -> Resolution:
    """The municipality of `place` on `day` (see the module's precedence). `candidates` are
    the municipalities of its postal code in any period (`postal_candidates`); `every`,
    all municipalities, for an address with a locality and no postal code."""
    located = None
    if place.latitude is not None and place.longitude is not None and locate is not None:
        located = locate(place.longitude, place.latitude, day)
    postal = _by_postal_code(place, day, candidates, located)
    if postal.nis_code is None:
        if located is not None and (not place.postal_code or not candidates):
            return Resolution(located, "coordinates")
        if not place.postal_code and place.locality and every:
            named = _by_name(place.locality, day, every)
            if named is not None:
                return Resolution(named, "locality")
        return postal
    if located is not None and located != postal.nis_code:
        return Resolution(
            postal.nis_code,
            postal.by,
            disagreement=(
                f"coordinates lie in {located}, postal code {place.postal_code} "
                f"in {postal.nis_code} on {day.isoformat()}: the address counts"
            ),
        )
    return postal


def _by_postal_code(
    place: PlaceFacts, day: date, candidates: Sequence[Area], located: str | None
) -> Resolution:
    if not place.postal_code:
        return Resolution(None, reason="no postal code in the address")
    if not candidates:
        return Resolution(None, reason=f"postal code {place.postal_code} is not known")
    # Before the reference data starts, the earliest period stands in for the day.
    in_time = [c for c in candidates if c.valid_on(day)]
    if not in_time:
        first = min(c.valid_from for c in candidates)
        in_time = [c for c in candidates if c.valid_from == first and day < first]
    if not in_time:
        return Resolution(
            None, reason=f"postal code {place.postal_code} has no municipality on {day}"
        )
    if len(in_time) == 1:
        return Resolution(in_time[0].nis_code, "postal_code")
    wanted = folded(place.locality)
    named = [c for c in in_time if wanted and folded(c.name_nl) == wanted]
    if len(named) == 1:
        return Resolution(named[0].nis_code, "locality")
    if located is not None and located in {c.nis_code for c in in_time}:
        return Resolution(located, "coordinates")
    kept = [c for c in in_time if c.merged_into is None]
    if len(kept) == 1 and all(c.merged_into == kept[0].nis_code for c in in_time if c != kept[0]):
        # Antwerpen kept its code when it absorbed Borsbeek: "2100 Deurne" is Antwerpen.
        return Resolution(kept[0].nis_code, "postal_code")
    nearest = _nearest(in_time, place)
    if nearest is not None:
        return Resolution(nearest, "centroid")
    names = ", ".join(f"{c.nis_code} {c.name_nl}" for c in in_time)
    return Resolution(
        None,
        reason=(
            f"postal code {place.postal_code} lies in several municipalities on "
            f"{day.isoformat()} ({names}) and locality {place.locality!r} decides none"
        ),
    )


def _by_name(locality: str, day: date, every: Sequence[Area]) -> str | None:
    wanted = folded(locality)
    named = {a.nis_code: a for a in every if folded(a.name_nl) == wanted}
    if len(named) != 1:
        return None
    (area,) = named.values()
    by_code = {a.nis_code: a for a in every}
    seen: set[str] = set()
    while not area.valid_on(day) and area.merged_into and area.nis_code not in seen:
        seen.add(area.nis_code)
        successor = by_code.get(area.merged_into)
        if successor is None:
            break
        area = successor
    return area.nis_code if area.valid_on(day) or day < area.valid_from else None


def _nearest(candidates: Sequence[Area], place: PlaceFacts) -> str | None:
    if place.latitude is None or place.longitude is None:
        return None
    lat, lon = place.latitude, place.longitude
    known = [c for c in candidates if c.centroid is not None]
    if not known:
        return None

    def distance(c: Area) -> float:
        clat, clon = c.centroid or (0.0, 0.0)
        return math.hypot(clat - lat, (clon - lon) * math.cos(math.radians(lat)))

    return min(known, key=distance).nis_code


def folded(name: str | None) -> str:
    """Case, accents, spaces and hyphens do not matter:
    "Sint-Genesius-Rode" ~ "sint genesius rode"."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())
