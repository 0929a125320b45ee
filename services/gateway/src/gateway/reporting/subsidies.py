"""The report's subsidies: each call of the year (calculated, or which parameters are
unknown) and the amounts per academy, role and call of the year's latest calculation run."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from gateway.adapters.subsidy import CallRead
from gateway.reporting.model import CallStatus, Subsidies, SubsidyLine
from gateway.reporting.source import RunDetailRead


def _statuses(calls: list[CallRead], run: RunDetailRead | None) -> tuple[CallStatus, ...]:
    calculated = {c.call_id for c in run.result.calls} if run else set()
    missing = {s.call_id: tuple(s.missing) for s in run.result.skipped} if run else {}
    return tuple(
        CallStatus(
            call_id=c.call_id,
            role=c.role,
            source=c.source,
            calculated=c.call_id in calculated,
            missing=missing.get(c.call_id, ()),
        )
        for c in calls
    )


def _lines(run: RunDetailRead | None, name: Callable[[str], str]) -> tuple[SubsidyLine, ...]:
    """The amounts of the run per academy, role and call."""
    totals: dict[tuple[str, str, str], Decimal] = {}
    for call in run.result.calls if run else ():
        for line in call.lines:
            key = (line.academy_id, line.role, line.call_id)
            totals[key] = totals.get(key, Decimal(0)) + line.paid
    return tuple(
        sorted(
            (
                SubsidyLine(academy_id=a, name=name(a), role=role, call_id=call, paid_eur=paid)
                for (a, role, call), paid in totals.items()
            ),
            key=lambda s: (s.role, s.name, s.call_id),
        )
    )


def _note(year: int, calls: list[CallRead], run: RunDetailRead | None) -> str:
    if not calls:
        return (
            f"No subsidy call is known for {year} (subsidy-rules.md §4): the rules of that "
            "year are unknown, so no subsidies per role can be given."
        )
    if run is None:
        return f"No calculation run for {year} yet: the subsidies have not been calculated."
    illustrative = (
        " It uses ILLUSTRATIVE parameter values (development), not real amounts."
        if run.result.illustrative
        else ""
    )
    return f"From calculation run {run.run_id} of {run.created_at}.{illustrative}" + (
        _trajecten_note(run)
    )


def subsidies_of(
    year: int, calls: list[CallRead], run: RunDetailRead | None, name: Callable[[str], str]
) -> Subsidies:
    statuses = _statuses(calls, run)
    return Subsidies(
        rules_known=bool(run and run.result.calls),  # the run calculated a call
        run_id=run.run_id if run else None,
        illustrative=bool(run and run.result.illustrative),
        calls=statuses,
        lines=_lines(run, name),
        note=_note(year, calls, run),
    )


MIN_SESSIONS = "stem/recognition/min_sessions_per_traject"


def _trajecten_note(run: RunDetailRead) -> str:
    """How many STEM-trajecten made places payable (issue 15, ADR 0013): the calls paying
    per place reached pay only trajecten; reach counts every held session."""
    lines = [ln for c in run.result.calls for ln in c.lines if ln.trajecten and ln.paid > 0]
    minimum = next((p.value for p in run.result.parameters if p.name == MIN_SESSIONS), None)
    if minimum is None:  # no call paying per place was calculated
        return ""
    trajecten = {a for ln in lines for a in ln.activity_ids}
    return (
        f" Places are paid only where a STEM-traject was held (at least {minimum} sessions,"
        f" {MIN_SESSIONS}; reach counts every session): {len(trajecten)} trajecten made"
        f" {len(lines)} places payable."
    )
