"""A short-lived, process-local copy of reference data: the municipalities of a year.

Municipalities change once in years (mergers), yet every calendar page needs them; keeping
a year's list for `ttl` seconds saves a registry call per page. Nothing else is cached:
the gateway stays stateless (a restart loses nothing but this copy).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from gateway.adapters.registry import MunicipalityRead


@dataclass
class MunicipalityCache:
    ttl: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _years: dict[int, tuple[float, dict[str, MunicipalityRead]]] = field(default_factory=dict)

    async def year(
        self, year: int, fetch: Callable[[int], Awaitable[list[MunicipalityRead]]]
    ) -> dict[str, MunicipalityRead]:
        now = self.clock()
        cached = self._years.get(year)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = {m.nis_code: m for m in await fetch(year)}
        self._years[year] = (now + self.ttl, found)
        return found
