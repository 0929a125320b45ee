"""Golden cases of the dated place -> municipality rule (tests/golden/places/*.yaml).

Each activity's address is resolved by `stemkit.domain.places` on the registry's reference data,
per period, as the activities service does; the subsidy service then takes each session's
municipality from the period of its day (`domain.municipalities.on_session_days`). Reach,
the Uitrollers payment (postal code unit) and the ops flag come out of the same answer.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from stemkit.domain import place_periods, places
from subsidy.domain.calculation import calculate
from subsidy.domain.claims import AcademyFacts
from subsidy.domain.municipalities import on_session_days
from subsidy.domain.parameters import load_parameters
from subsidy.domain.reach import ActivityFacts, OccurrenceFacts, Proof, evidence
from subsidy.domain.recognition import Decision, RecognitionHistory, describe
from subsidy.domain.trajecten import Traject, traject_of

GOLDEN = Path(__file__).parent.parent / "golden" / "places"
REFERENCE = Path(__file__).resolve().parents[3] / "registry/src/registry/reference_data"
CASES = [
    pytest.param(case, id=f"{path.stem}: {case['name']}")
    for path in sorted(GOLDEN.glob("*.yaml"))
    for case in yaml.safe_load(path.read_text())
]


@cache
def _areas() -> tuple[places.Area, ...]:
    with (REFERENCE / "flemish_municipalities.csv").open(encoding="utf-8") as f:
        return tuple(
            places.Area(
                row["nis_code"],
                row["name_nl"],
                date.fromisoformat(row["valid_from"]),
                date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                row["merged_into_nis"] or None,
            )
            for row in csv.DictReader(f)
        )


@cache
def _postal_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    with (REFERENCE / "postal_codes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            table.setdefault(row["postal_code"], set()).add(row["nis_code"])
    return {code: frozenset(nis) for code, nis in table.items()}


def _periods(address: Mapping[str, Any]) -> tuple[place_periods.Period, ...]:
    listed = _postal_table().get(str(address.get("postal_code")), frozenset())
    candidates = places.postal_candidates([a for a in _areas() if a.nis_code in listed], _areas())
    inside: Mapping[str, str] = address.get("coordinates_in", {})

    def locate(_lon: float, _lat: float, day: date) -> str | None:
        return inside.get("before_2025" if day < date(2025, 1, 1) else "from_2025")

    point = (50.8, 4.0) if inside else (None, None)  # where: `coordinates_in` says
    place = places.PlaceFacts(address.get("postal_code"), address.get("locality"), *point)
    return place_periods.periods(place, candidates, locate if inside else None, every=_areas())


def _history(academy: Mapping[str, Any]) -> RecognitionHistory:
    return RecognitionHistory.of(
        Decision(f"d{n}", d["status"], d["from"], d["from"], d.get("until"))
        for n, d in enumerate(academy.get("recognition", []))
    )


def _resolved(
    case: Mapping[str, Any],
) -> tuple[frozenset[Proof], set[str], dict[str, Traject]]:
    """The reach proofs, the activities flagged for ops (coordinates elsewhere), and each
    activity as a traject candidate (for the payment)."""
    academies = case["input"]["academies"]
    proofs: set[Proof] = set()
    flagged: set[str] = set()
    trajecten: dict[str, Traject] = {}
    for a in case["input"]["activities"]:
        found = _periods(a["address"])
        if any(p.disagreement for p in found):
            flagged.add(a["id"])
        facts = ActivityFacts(
            activity_id=a["id"],
            academy_id=a["academy"],
            nis_code=None,  # every session takes the municipality of its own day
            postal_code=a["address"].get("postal_code"),
            public=True,
            status="available",
            occurrences=on_session_days(tuple(OccurrenceFacts(d) for d in a["dates"]), found),
        )
        proofs |= evidence(facts, _history(academies[a["academy"]]))
        trajecten[facts.activity_id] = traject_of(facts)
    return frozenset(proofs), flagged, trajecten


@pytest.mark.parametrize("case", CASES)
def test_golden_place_case(case: dict[str, Any]) -> None:
    expected = case["output"]
    proofs, flagged, trajecten = _resolved(case)
    by_year = {y: sorted({p.nis_code for p in proofs if p.year == y}) for y in expected["reach"]}
    assert by_year == expected["reach"]
    assert {p.year for p in proofs} == set(expected["reach"])
    assert sorted(flagged) == sorted(expected.get("flagged", []))
    # Payment and reach agree: each proof's postal code lies, on its year, in the proof's
    # municipality (or in the municipality it merged into), by the same table.
    for p in proofs:
        if p.postal_code:
            nis = {p.nis_code} | {
                a.merged_into for a in _areas() if a.nis_code == p.nis_code and a.merged_into
            }
            assert nis & _postal_table()[p.postal_code], p
    if "paid" in expected:
        year = case["period"]
        params = load_parameters()
        first, last = date(year, 1, 1), date(year, 12, 31)
        academies = {
            name: AcademyFacts(
                name,
                frozenset(a.get("roles", [])),
                None,
                tuple(describe(d) for d in _history(a).recognising_during(first, last)),
            )
            for name, a in case["input"]["academies"].items()
        }
        result = calculate(year, academies, proofs, params, trajecten=trajecten, strict=False)
        for academy, places_paid in expected["paid"].items():
            lines = [ln for ln in result.lines() if ln.academy_id == academy and ln.paid > 0]
            assert all(ln.unit == "postal_code" for ln in lines)
            assert sorted(ln.place for ln in lines) == places_paid
