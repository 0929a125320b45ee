"""Golden cases (tests/golden/*.yaml): period, input, output, readable by a domain expert.

Each case is run through the pure rules: the reach rule (recognition on each date), the
calls of the period with their dated parameters, the allocation, the diff and coverage.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from stemkit.contracts.activities import Calendar
from subsidy.domain.audience import open_offer
from subsidy.domain.calculation import NoCall, calculate
from subsidy.domain.claims import AcademyFacts
from subsidy.domain.coverage import compare, coverage, reached_in
from subsidy.domain.diff import diff
from subsidy.domain.municipalities import Gazetteer, Municipality
from subsidy.domain.parameters import (
    Override,
    ParameterSet,
    UnknownParameter,
    UnknownParameterName,
    load_parameters,
)
from subsidy.domain.reach import ActivityFacts, OccurrenceFacts, Proof, evidence
from subsidy.domain.recognition import Decision, RecognitionHistory, describe
from subsidy.domain.result import Result
from subsidy.domain.sessions import session_occurrences, subevent_days
from subsidy.domain.trajecten import (
    COVERAGE_NEEDS_TRAJECT,
    MIN_SESSIONS,
    Traject,
    of_trajecten,
    traject_of,
)
from subsidy.domain.unrecognised import (
    COVERAGE_RULE,
    counts_network,
    coverage_proofs,
    unrecognised_evidence,
)

GOLDEN = Path(__file__).parent.parent / "golden"
CASES = [
    pytest.param(case, id=f"{path.stem}: {case['name']}")
    for path in sorted(GOLDEN.glob("*.yaml"))
    for case in yaml.safe_load(path.read_text())
]
PARAMS = load_parameters()


def _history(academy: Mapping[str, Any]) -> RecognitionHistory:
    return RecognitionHistory.of(
        Decision(f"d{n}", d["status"], d["from"], d["from"], d.get("until"))
        for n, d in enumerate(academy.get("recognition", []))
    )


def _education_only_counts(year: int) -> bool:
    return bool(PARAMS.lookup("stem/reach/education_only_counts", date(year, 1, 1)).value)


def _facts(case: Mapping[str, Any], withdrawn: set[str]) -> list[ActivityFacts]:
    return [
        ActivityFacts(
            activity_id=a["id"],
            academy_id=a["academy"],
            nis_code=a["nis"],
            postal_code=a.get("postal_code"),
            public=a.get("public", True),
            status=a.get("status", "available"),
            withdrawn=a.get("withdrawn", False) or a["id"] in withdrawn,
            occurrences=_occurrences(case, a),
            audience=a.get("audience"),
            co_organisers=tuple(a.get("co_organisers", ())),
        )
        for a in case["input"]["activities"]
    ]


def _proofs(
    case: Mapping[str, Any], withdrawn: set[str], *, apart: bool = False
) -> frozenset[Proof]:
    """The reach proofs (every held session; no traject needed: ADR 0013); with `apart`,
    those counted apart (no recognition on the date)."""
    academies = case["input"]["academies"]
    rule = unrecognised_evidence if apart else evidence
    found: set[Proof] = set()
    for facts in _facts(case, withdrawn):  # `academy: null`: of no academy, proves nothing
        known = academies.get(facts.academy_id) if facts.academy_id is not None else None
        proofs = rule(facts, _history(known or {}))
        found |= open_offer(facts, proofs, _education_only_counts)
    return frozenset(found)


def _trajecten(case: Mapping[str, Any]) -> dict[str, Traject]:
    """Each activity as a traject candidate (the calculation applies the traject rule)."""
    return {f.activity_id: traject_of(f) for f in _facts(case, set())}


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _occurrences(case: Mapping[str, Any], a: Mapping[str, Any]) -> tuple[OccurrenceFacts, ...]:
    """`dates`, or the sessions of a periodic/permanent `calendar` (the event's compact
    form), expanded through the year `reported_through` (default: the case's period)."""
    if "subevents" in a:  # dated occurrences with an end: a multi-day camp, one per day
        return subevent_days(
            (datetime.fromisoformat(s["start"]), _moment(s.get("end")), None, None)
            for s in a["subevents"]
        )
    if "calendar" not in a:  # `cancelled`: dates whose own status is unavailable
        cancelled = [OccurrenceFacts(day, "unavailable") for day in a.get("cancelled", [])]
        return (*(OccurrenceFacts(day) for day in a["dates"]), *cancelled)
    return session_occurrences(
        Calendar.model_validate(a["calendar"]).rules(),
        through_year=case["input"].get("reported_through", case["period"]),
        available_from=a.get("available_from"),
    )


def _run(case: Mapping[str, Any], proofs: frozenset[Proof], *, strict: bool) -> Result:
    inputs = case["input"]
    year = (date(case["period"], 1, 1), date(case["period"], 12, 31))
    academies = {
        name: AcademyFacts(
            name,
            frozenset((a or {}).get("roles", [])),
            (a or {}).get("fixed_postal_code"),
            tuple(describe(d) for d in _history(a or {}).recognising_during(*year)),
        )
        for name, a in inputs["academies"].items()
    }
    params = _parameters(case)
    return calculate(
        case["period"], academies, proofs, params, trajecten=_trajecten(case), strict=strict
    )


def _parameters(case: Mapping[str, Any]) -> ParameterSet:
    """The parameters with the case's operator values (`input.parameters`)."""
    values = case["input"].get("parameters", {})
    PARAMS.check_names(values)  # a misspelt name in a case fails it
    return PARAMS.with_overrides(
        Override(name, date(2019, 1, 1), value, "golden case", date(2026, 11, 28), "test")
        for name, value in values.items()
    )


def _euros(values: Mapping[str, Any]) -> dict[str, Decimal]:
    return {k: Decimal(str(v)) for k, v in values.items()}


def _gazetteer(case: Mapping[str, Any]) -> Gazetteer:
    return Gazetteer(
        Municipality(
            m["nis"], m["name"], m["province"], m["from"], m.get("to"), m.get("merged_into")
        )
        for m in case["input"].get("municipalities", [])
    )


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: dict[str, Any]) -> None:
    expected = case["output"]
    if "what_if_refused" in expected:  # the names a what-if refuses (`runs.what_if`)
        with pytest.raises(UnknownParameterName) as unknown:
            PARAMS.check_names(case["input"]["what_if"])
        assert unknown.value.names == expected["what_if_refused"]
        return
    proofs = _proofs(case, set())
    if expected.get("no_call"):
        with pytest.raises(NoCall):
            _run(case, proofs, strict=False)
        return
    if "refused" in expected:
        with pytest.raises(UnknownParameter) as refused:
            _run(case, proofs, strict=True)
        assert refused.value.names == expected["refused"]
        for name in expected["refused"]:
            assert name in str(refused.value)
    if "reach" in expected:
        by_year = {
            y: sorted({p.nis_code for p in proofs if p.year == y}) for y in expected["reach"]
        }
        assert by_year == expected["reach"]
        assert {p.year for p in proofs} == set(expected["reach"])
    for activity_id, per_year in expected.get("sessions", {}).items():  # which days prove
        (a,) = [a for a in case["input"]["activities"] if a["id"] == activity_id]
        days = [o.day for o in _occurrences(case, a)]
        assert {y: sum(d.year == y for d in days) for y in per_year} == per_year
        assert {d.year for d in days} == set(per_year)
    if "apart" in expected:  # reach of unrecognised academies: counted apart, never paid
        apart = _proofs(case, set(), apart=True)
        by_year = {y: sorted({p.nis_code for p in apart if p.year == y}) for y in expected["apart"]}
        assert by_year == expected["apart"]
        assert {p.year for p in apart} == set(expected["apart"])
    if "coverage" in expected or "compare" in expected:
        _check_coverage(case, proofs)
    if (
        not {
            *("subsidy", "calls", "postal_codes_paid", "diff", "allocation", "notes"),
            *("recognition", "trajecten"),
        }
        & expected.keys()
    ):
        return
    withdrawn = set(case.get("then", {}).get("withdraw", []))
    result = _run(case, _proofs(case, withdrawn), strict=False)  # after `then`, if any
    if "subsidy_before" in expected:
        assert _run(case, proofs, strict=False).per_academy() == _euros(expected["subsidy_before"])
    if "subsidy" in expected:
        assert result.per_academy() == _euros(expected["subsidy"])
    for call_id, per_academy in expected.get("calls", {}).items():
        (call,) = [c for c in result.calls if c.call_id == call_id]
        assert {line.academy_id: line.paid for line in call.lines} == _euros(per_academy)
    for academy, count in expected.get("postal_codes_paid", {}).items():
        paid = [ln for ln in result.lines() if ln.academy_id == academy and ln.paid > 0]
        assert len(paid) == count and all(ln.unit == "postal_code" for ln in paid)
    for place, trajecten in expected.get("trajecten", {}).items():  # named by each euro
        (line,) = [ln for ln in result.lines() if ln.place == place and ln.paid > 0]
        assert list(line.trajecten) == trajecten
    for place, text in expected.get("notes", {}).items():
        (line,) = [ln for ln in result.lines() if ln.place == place]
        assert text in line.note
    for academy, decisions in expected.get("recognition", {}).items():  # named by each euro
        lines = [ln for ln in result.lines() if ln.academy_id == academy]
        assert lines and all(list(ln.recognition) == decisions for ln in lines)
    if "allocation" in expected:
        assert {c.allocation for c in result.calls} == {expected["allocation"]}
    if "diff" in expected:
        changes = diff(_run(case, proofs, strict=False), result)
        assert len(changes) == len(expected["diff"])
        for change, want in zip(changes, expected["diff"], strict=True):
            assert (change.academy_id, change.place) == (want["academy"], want["place"])
            assert (change.before, change.after) == (
                Decimal(want["before"]),
                Decimal(want["after"]),
            )
            assert want["why"] in change.why


def _check_coverage(case: Mapping[str, Any], proofs: frozenset[Proof]) -> None:
    gazetteer = _gazetteer(case)
    expected = case["output"]
    apart = _proofs(case, set(), apart=True)
    for year, counted in expected.get("coverage_counts", {}).items():
        assert PARAMS.lookup(COVERAGE_RULE, date(year, 1, 1)).value == counted
    for year, provinces in expected.get("coverage", {}).items():
        on = date(year, 1, 1)
        network = counts_network(PARAMS.lookup(COVERAGE_RULE, on).value)
        counted = coverage_proofs(proofs, apart, network)
        if PARAMS.lookup(COVERAGE_NEEDS_TRAJECT, on).value is True:  # 2019: "minstens 1 reeks"
            minimum = int(_parameters(case).get(MIN_SESSIONS, on))
            counted = of_trajecten(counted, _trajecten(case), minimum)
        got = coverage(reached_in(counted, year, gazetteer), year, gazetteer)
        assert {p.province: f"{len(p.reached)}/{p.total}" for p in got} == provinces
    for want in expected.get("compare", []):
        years = (want["from"], want["to"])
        earlier, later = (reached_in(proofs, y, gazetteer) for y in years)
        comparison = compare(
            earlier, later, years, gazetteer, boundaries_of=want.get("boundaries_of")
        )
        assert list(comparison.newly_reached) == want["newly_reached"]
        assert list(comparison.dropped) == want["dropped"]
