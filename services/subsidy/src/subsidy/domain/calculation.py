"""One year's subsidy calculation: the calls of the year, their claims, the allocation.

Every euro is a `Line` of the `Result` (`result.py`): the call and its parameters, the unit
paid for (postal code, municipality or academy) and the activities that prove the reach. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from subsidy.domain.allocation import ALLOCATIONS, DEFAULT_ALLOCATION
from subsidy.domain.calls import calls_of
from subsidy.domain.claims import AcademyFacts, Call, Claim
from subsidy.domain.parameters import ParameterSet, UnknownParameter
from subsidy.domain.reach import Proof
from subsidy.domain.result import CallResult, Line, Result, Skipped
from subsidy.domain.trajecten import CLAIMED_BY, MIN_SESSIONS, Traject, describe, payable

RULES_CODE = "2026.11.1"  # bump when a formula changes; the parameter files hash is added


class NoCall(LookupError):
    """No subsidy call is known for the year (or the requested call is not of that year)."""


def _recognition(academies: Mapping[str, AcademyFacts], academy_id: str) -> tuple[str, ...]:
    academy = academies.get(academy_id)
    return academy.recognition if academy is not None else ()


def _claimed_by(params: ParameterSet, on: date) -> str | None:
    try:
        return str(params.get(CLAIMED_BY, on))
    except UnknownParameter:  # fails closed: a co-organised traject is claimed by no one
        return None


def _traject_parameters(trajecten: Mapping[str, Traject], ids: Iterable[str]) -> tuple[str, ...]:
    """The traject parameters a line rests on (who claims: only for a co-organised one)."""
    shared = any(trajecten[a].co_organised for a in ids)
    return (MIN_SESSIONS, CLAIMED_BY) if shared else (MIN_SESSIONS,)


def rules_version(params: ParameterSet) -> str:
    return f"{RULES_CODE}+{params.version}"


def _calls_asked(year: int, call_ids: Iterable[str] | None) -> list[Call]:
    """The year's calls, or those of them asked; NoCall for one not of the year, or none."""
    calls = calls_of(year)
    if call_ids is not None:
        wanted = set(call_ids)
        calls = [c for c in calls if c.call_id in wanted]
        if unknown := wanted - {c.call_id for c in calls}:
            raise NoCall(f"no call {', '.join(sorted(unknown))} in {year}")
    if not calls:
        raise NoCall(f"no subsidy call is known for {year} (subsidy-rules.md §4, item 8)")
    return calls


def _of_year(proofs: Iterable[Proof], year: int) -> frozenset[Proof]:
    proofs = proofs if isinstance(proofs, frozenset) else frozenset(proofs)
    years = {p.year for p in proofs}
    return proofs if years <= {year} else frozenset(p for p in proofs if p.year == year)


def _paying(
    call: Call,
    of_year: frozenset[Proof],
    trajecten: Mapping[str, Traject],
    params: ParameterSet,
    on: date,
) -> tuple[frozenset[Proof], str | None]:
    """The proofs a call pays for (a traject call: only those of a claimed traject), and who
    claims a co-organised traject."""
    if not call.per_traject:
        return of_year, None
    claimed_by = _claimed_by(params, on)
    minimum = int(params.get(MIN_SESSIONS, on))
    return payable(of_year, trajecten, minimum, claimed_by), claimed_by


def _line(
    call: Call,
    claim: Claim,
    share: Decimal,
    academies: Mapping[str, AcademyFacts],
    trajecten: Mapping[str, Traject],
    claimed_by: str | None,
) -> Line:
    """One claim as paid, with what it rests on (a traject call: the trajecten too)."""
    c = claim
    return Line(
        call.call_id,
        c.academy_id,
        call.role,
        c.unit,
        c.place,
        c.amount,
        share,
        (*c.parameters, *_traject_parameters(trajecten, c.activity_ids))
        if call.per_traject
        else c.parameters,
        c.activity_ids,
        c.note,
        _recognition(academies, c.academy_id),
        tuple(describe(trajecten[a], claimed_by) for a in c.activity_ids)
        if call.per_traject
        else (),
    )


def calculate(
    year: int,
    academies: Mapping[str, AcademyFacts],
    proofs: Iterable[Proof],
    params: ParameterSet,
    *,
    trajecten: Mapping[str, Traject],
    call_ids: Iterable[str] | None = None,
    allocation: str = DEFAULT_ALLOCATION,
    strict: bool = True,
) -> Result:
    """Calculate the year's calls. `trajecten`: each proving activity's sessions (an
    activity missing pays no call that needs a traject). `strict`: refuse when any needs an
    unknown parameter; otherwise leave such calls out and list them as skipped."""
    calls = _calls_asked(year, call_ids)
    allocate = ALLOCATIONS[allocation]
    params = params.fresh()
    on = date(year, 1, 1)
    of_year = _of_year(proofs, year)
    results, skipped, missing = [], [], set()
    for call in calls:
        try:
            paying, claimed_by = _paying(call, of_year, trajecten, params, on)
            claims = call.formula(academies, paying, params, on)
            budget = Decimal(params.get(call.budget, on)) if call.budget else None
        except UnknownParameter as exc:
            missing.update(exc.names)
            skipped.append(Skipped(call.call_id, tuple(exc.names)))
            continue
        paid = allocate([c.amount for c in claims], budget)
        lines = tuple(
            _line(call, c, share, academies, trajecten, claimed_by)
            for c, share in zip(claims, paid, strict=True)
        )
        results.append(
            CallResult(
                call.call_id,
                call.role,
                (call.formula.__doc__ or "").strip(),
                call.source,
                allocation,
                budget,
                sum((c.amount for c in claims), Decimal(0)),
                sum(paid, Decimal(0)),
                lines,
            )
        )
    if strict and missing:
        raise UnknownParameter(missing)
    used = tuple(params.used())
    return Result(
        year,
        rules_version(params),
        allocation,
        tuple(results),
        tuple(skipped),
        used,
        any(u.status == "illustrative" for u in used),
    )
