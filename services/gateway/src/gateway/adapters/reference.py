"""Short-lived, process-local copies of reference data: a year's municipalities, academies.

Municipalities change once in years (mergers), yet every calendar page needs them; keeping
a year's list for `ttl` seconds saves a registry call per page. Academies (a few dozen,
renamed rarely) are on every page too: the ones found are kept for `ACADEMY_TTL` seconds,
which saves the calendar page its second registry call (docs/performance-notes.md,
gateway). Unknown ids and failures are never kept, so a new
academy shows at once and an upstream error stays an error. Activities are not cached.
The gateway stays stateless: a restart loses nothing but these copies.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from gateway.adapters.registry import AcademyRead, MunicipalityRead

ACADEMY_TTL = 60.0  # seconds a found academy is kept: a rename shows within a minute


@dataclass
class MunicipalityCache:
    ttl: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _years: dict[int, tuple[float, dict[str, MunicipalityRead]]] = field(default_factory=dict)
    _generation: int = 0

    def clear(self) -> None:
        self._generation += 1
        self._years.clear()

    async def year(
        self, year: int, fetch: Callable[[int], Awaitable[list[MunicipalityRead]]]
    ) -> dict[str, MunicipalityRead]:
        now = self.clock()
        cached = self._years.get(year)
        if cached is not None and cached[0] > now:
            return cached[1]
        generation = self._generation
        found = {m.nis_code: m for m in await fetch(year)}
        if generation == self._generation:
            self._years[year] = (now + self.ttl, found)
        return found


@dataclass
class AcademyCache:
    ttl: float = ACADEMY_TTL
    clock: Callable[[], float] = time.monotonic
    _found: dict[str, tuple[float, AcademyRead]] = field(default_factory=dict)
    _generation: int = 0

    def clear(self) -> None:
        self._generation += 1
        self._found.clear()

    async def many(
        self,
        ids: Sequence[str],
        fetch: Callable[[Sequence[str]], Awaitable[dict[str, AcademyRead]]],
    ) -> dict[str, AcademyRead]:
        """The academies of `ids` that exist: kept ones, and the others in one `fetch`."""
        now = self.clock()
        known: dict[str, AcademyRead] = {}
        for academy_id in ids:
            kept = self._found.get(academy_id)
            if kept is not None and kept[0] > now:
                known[academy_id] = kept[1]
        missing = [academy_id for academy_id in ids if academy_id not in known]
        if missing:
            generation = self._generation
            found = await fetch(missing)
            if self.ttl > 0 and generation == self._generation:
                self._found.update((i, (now + self.ttl, a)) for i, a in found.items())
            known.update(found)
        return known
