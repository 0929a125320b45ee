"""A calculation's result: per call what was claimed and paid, every euro a `Line` with
what it rests on (parameters, place, proving activities, recognition, trajecten); the calls
skipped for an unknown parameter; the parameters used. Stored whole in a run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from subsidy.domain.parameters import Used


@dataclass(frozen=True)
class Line:
    call_id: str
    academy_id: str
    role: str
    unit: str
    place: str
    claimed: Decimal
    paid: Decimal
    parameters: tuple[str, ...]
    activity_ids: tuple[str, ...]
    note: str
    # The recognition decisions that made it payable (in force during the year; reach counts
    # only sessions on a recognised day): id, status, period, decision date.
    recognition: tuple[str, ...] = ()
    # For a call paying per place reached with a traject: which trajecten made it payable
    # (activity id, sessions held, first and last session day; `trajecten.describe`).
    trajecten: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallResult:
    call_id: str
    role: str
    formula: str
    source: str
    allocation: str
    budget: Decimal | None
    claimed: Decimal
    paid: Decimal
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Skipped:
    call_id: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    year: int
    rules_version: str
    allocation: str
    calls: tuple[CallResult, ...]
    skipped: tuple[Skipped, ...]
    parameters: tuple[Used, ...]
    illustrative: bool  # true when a demo (illustrative) value was used

    def lines(self) -> Iterable[Line]:
        for call in self.calls:
            yield from call.lines

    def per_academy(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.lines():
            totals[line.academy_id] = totals.get(line.academy_id, Decimal(0)) + line.paid
        return totals
