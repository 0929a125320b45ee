"""A place's municipality per period of the reference data (`stemkit.domain.places` answers
for one day): the activities service sends the periods in its events (`location.periods`),
and the subsidy service picks the period that holds a session's day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from stemkit.domain.places import Area, Locator, PlaceFacts, resolve_place


@dataclass(frozen=True)
class Period:
    """The municipality of a place from `first` to `last` (None: open ended)."""

    first: date | None
    last: date | None
    nis_code: str | None
    by: str | None = None
    disagreement: str | None = None

    def holds(self, day: date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)


def periods(
    place: PlaceFacts,
    candidates: Sequence[Area],
    locate: Locator | None = None,
    change_days: Iterable[date] = (),
    every: Sequence[Area] = (),
) -> tuple[Period, ...]:
    """The place's municipality per period: resolved on the first day of each period
    between the days the municipalities changed (their `valid_from` and the day after
    their `valid_to`), neighbours with the same answer joined. Consumers pick the period
    that holds a session's day, so the session's date picks the municipality."""
    edges = set(change_days)
    for c in (*candidates, *every):
        edges.add(c.valid_from)
        if c.valid_to is not None:
            edges.add(c.valid_to + timedelta(days=1))
    starts = sorted(edges)
    if not starts:
        return ()
    out: list[Period] = []
    # The first period also holds the days before the reference data starts.
    for i, first in enumerate(starts):
        last = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else None
        found = resolve_place(place, first, candidates, locate, every)
        period = Period(
            None if i == 0 else first, last, found.nis_code, found.by, found.disagreement
        )
        if out and (out[-1].nis_code, out[-1].by, out[-1].disagreement) == (
            period.nis_code,
            period.by,
            period.disagreement,
        ):
            out[-1] = Period(out[-1].first, last, period.nis_code, period.by, period.disagreement)
        else:
            out.append(period)
    return tuple(out)


def on_day(found: Sequence[Period], day: date) -> Period | None:
    return next((p for p in found if p.holds(day)), None)
