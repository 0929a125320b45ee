"""A token bucket per caller: the query cost is paid from it, and it refills steadily."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Buckets:
    capacity: int
    refill_per_second: float
    clock: Callable[[], float]
    _levels: dict[str, tuple[float, float]] = field(default_factory=dict)  # id -> (points, at)

    def level(self, caller: str) -> float:
        points, at = self._levels.get(caller, (float(self.capacity), self.clock()))
        now = self.clock()
        return min(self.capacity, points + (now - at) * self.refill_per_second)

    def take(self, caller: str, cost: int) -> tuple[bool, float]:
        """Pay `cost`: (True, points left), or (False, seconds until it could be paid)."""
        now = self.clock()
        points = self.level(caller)
        if cost <= points:
            self._levels[caller] = (points - cost, now)
            return True, points - cost
        self._levels[caller] = (points, now)
        return False, (cost - points) / self.refill_per_second

    @staticmethod
    def retry_after(seconds: float) -> int:
        return max(1, math.ceil(seconds))


def replica_share(total: int, replicas: int) -> int:
    """What one of `replicas` gateway processes allows of a limit meant for them all: never
    more than the total together, at least 1 (docs/adr/0012)."""
    return max(1, total // replicas)
