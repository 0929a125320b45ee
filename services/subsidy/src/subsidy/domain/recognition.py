"""Recognition (erkenning) through time, from the registry's decisions. Pure.

The status on a day is the one set by the latest decision in force that day (latest
`valid_from`, then latest `decided_on`); past its `valid_until` the recognition has lapsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

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


def describe(decision: Decision) -> str:
    """The decision as an explanation names it: id, status, period and decision date."""
    until = decision.valid_until.isoformat() if decision.valid_until else "open-ended"
    return (
        f"{decision.decision_id}: {decision.status} from {decision.valid_from.isoformat()} "
        f"until {until} (decided {decision.decided_on.isoformat()})"
    )


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

    def recognising_during(self, first: date, last: date) -> tuple[Decision, ...]:
        """The decisions that made the academy recognised on some day from `first` to
        `last`: those with a recognised status, in force (not yet replaced by a later one,
        not past `valid_until`) on a day of the period. The explanation of a euro names them."""
        found = []
        for n, decision in enumerate(self.decisions):
            if decision.status not in RECOGNISED:
                continue
            end = decision.valid_until
            if n + 1 < len(self.decisions):
                replaced = self.decisions[n + 1].valid_from - timedelta(days=1)
                end = replaced if end is None else min(end, replaced)
            start = max(decision.valid_from, first)
            if start <= min(last, end or last):
                found.append(decision)
        return tuple(found)
