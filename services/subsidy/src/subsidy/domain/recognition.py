"""Recognition (erkenning) through time, from the registry's decisions. Pure.

The status on a day is the one set by the latest decision in force that day (latest
`valid_from`, then latest `decided_on`); past its `valid_until` the recognition has lapsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Statuses in which an academy is recognised (may work as a STEM-academie). `under_review`
# and `renewal_due` keep the running recognition until a decision ends it [inferred].
RECOGNISED = frozenset(
    {"provisionally_recognised", "recognised", "renewal_due", "under_review", "renewed"}
)


@dataclass(frozen=True)
class Decision:
    decision_id: str
    status: str
    decided_on: date
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class RecognitionHistory:
    """All decisions about one academy, in any order."""

    decisions: tuple[Decision, ...] = ()

    @classmethod
    def of(cls, decisions: Iterable[Decision]) -> RecognitionHistory:
        ordered = sorted(decisions, key=lambda d: (d.valid_from, d.decided_on, d.decision_id))
        return cls(tuple(ordered))

    @property
    def recorded(self) -> bool:
        """False when the registry never published a decision for the academy."""
        return bool(self.decisions)

    def status_on(self, day: date) -> str | None:
        """The status on `day`; `expired` past a decision's last day; None before any."""
        current = None
        for decision in self.decisions:
            if decision.valid_from <= day:
                current = decision
        if current is None:
            return None
        if current.valid_until is not None and day > current.valid_until:
            return "expired"
        return current.status

    def recognised_on(self, day: date, *, unrecorded_counts: bool) -> bool:
        """Recognised on `day`; an academy without any decision counts as `unrecorded_counts`."""
        if not self.recorded:
            return unrecorded_counts
        return self.status_on(day) in RECOGNISED
