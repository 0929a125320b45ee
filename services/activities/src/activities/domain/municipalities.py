"""Which municipality (NIS code) an address lies in, from the registry's reference data.

The registry publishes each municipality with its validity in time and its postal codes.
Nearly every Flemish postal code lies in one municipality; where one lies in several
(1804: Vilvoorde and Zemst), or where the registry lists a municipality before and after a
merger, the version valid on the activity's day and then the locality's name decide.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Municipality:
    nis_code: str
    name_nl: str
    valid_from: date
    valid_to: date | None = None  # last valid day; None while valid

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def resolve_nis_code(
    candidates: Sequence[Municipality], *, locality: str | None, country: str | None, day: date
) -> str | None:
    """The NIS code of the one municipality that fits, or None when none or several do."""
    if country not in (None, "BE") or not candidates:
        return None
    if len({c.nis_code for c in candidates}) == 1:
        return candidates[0].nis_code
    # The reference data may start after the activity's day: then time cannot decide.
    in_time = [c for c in candidates if c.valid_on(day)] or list(candidates)
    if len(in_time) == 1:
        return in_time[0].nis_code
    wanted = _folded(locality)
    named = [c for c in in_time if wanted and _folded(c.name_nl) == wanted]
    return named[0].nis_code if len(named) == 1 else None


def _folded(name: str | None) -> str:
    """Case, accents, spaces and hyphens do not matter:
    "Sint-Genesius-Rode" ~ "sint genesius rode".
    """
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())
