"""What changed between two calculation runs, and why. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from subsidy.domain.result import Line, Result

LineKey = tuple[str, str, str, str]  # call, academy, unit, place


@dataclass(frozen=True)
class Change:
    call_id: str
    academy_id: str
    unit: str
    place: str
    before: Decimal
    after: Decimal
    activities_gone: tuple[str, ...]
    activities_new: tuple[str, ...]
    why: str


def _key(line: Line) -> LineKey:
    return (line.call_id, line.academy_id, line.unit, line.place)


def _why(old: Line | None, new: Line | None, gone: set[str], added: set[str]) -> str:
    if new is None:
        assert old is not None
        proof = f": activities {', '.join(sorted(gone))} no longer prove it" if gone else ""
        return f"{old.unit} {old.place} no longer qualifies{proof}"
    if old is None:
        return f"{new.unit} {new.place} newly qualifies, proven by {', '.join(new.activity_ids)}"
    reasons = []
    if old.claimed != new.claimed:
        reasons.append(f"claim {old.claimed} -> {new.claimed} ({new.note or 'parameters'})")
    if old.paid != new.paid and old.claimed == new.claimed:
        reasons.append("budget allocation changed")
    if gone or added:
        reasons.append(f"proof changed (-{sorted(gone)} +{sorted(added)})")
    return "; ".join(reasons) or "unchanged"


def diff(old: Result, new: Result) -> list[Change]:
    """Every line whose amount or proof differs, in key order, with a reason."""
    before = {_key(line): line for line in old.lines()}
    after = {_key(line): line for line in new.lines()}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        gone = set(a.activity_ids if a else ()) - set(b.activity_ids if b else ())
        added = set(b.activity_ids if b else ()) - set(a.activity_ids if a else ())
        paid_a = a.paid if a else Decimal(0)
        paid_b = b.paid if b else Decimal(0)
        if a and b and paid_a == paid_b and not gone and not added and a.claimed == b.claimed:
            continue
        changes.append(
            Change(
                *key,
                paid_a,
                paid_b,
                tuple(sorted(gone)),
                tuple(sorted(added)),
                _why(a, b, gone, added),
            )
        )
    return changes


def parameter_changes(old: Result, new: Result) -> list[str]:
    """Parameters read by both runs whose value or origin differs."""
    a = {u.name: u for u in old.parameters}
    b = {u.name: u for u in new.parameters}
    out = []
    for name in sorted(a.keys() | b.keys()):
        ua, ub = a.get(name), b.get(name)
        va = (ua.value, ua.status) if ua else None
        vb = (ub.value, ub.status) if ub else None
        if va != vb:
            out.append(f"{name}: {va} -> {vb}")
    if old.rules_version != new.rules_version:
        out.append(f"rules version {old.rules_version} -> {new.rules_version}")
    return out
