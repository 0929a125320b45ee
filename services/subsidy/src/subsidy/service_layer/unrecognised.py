"""Reach counted apart, and the coverage basis of a year (which academies Q1 counts).

Computed on read from the stored activity copies and recognition decisions: what the
activities of academies without a recognition in force on their dates would prove. Shown
to ops, never paid (see `domain/unrecognised.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters import activity_facts, registry_copy
from subsidy.adapters.reach_store import proofs_of_year
from subsidy.domain.audience import open_offer
from subsidy.domain.parameters import Used
from subsidy.domain.reach import Proof
from subsidy.domain.recognition import RecognitionHistory
from subsidy.domain.trajecten import COVERAGE_NEEDS_TRAJECT, MIN_SESSIONS, of_trajecten
from subsidy.domain.unrecognised import (
    COVERAGE_RULE,
    counts_network,
    coverage_proofs,
    unrecognised_evidence,
)
from subsidy.service_layer.reach_facts import (
    base_parameters,
    education_only_counts,
    unrecorded_counts,
)


async def unrecognised_proofs(session: AsyncSession, year: int) -> frozenset[Proof]:
    """The reach of `year` that only a missing recognition keeps out (counted apart)."""
    histories = await registry_copy.all_recognition(session)
    none = RecognitionHistory()
    found: set[Proof] = set()
    for facts in await activity_facts.activities_in_year(session, year):
        history = histories.get(facts.academy_id or "", none)
        proofs = open_offer(
            facts, unrecognised_evidence(facts, history, unrecorded_counts), education_only_counts
        )
        found |= {p for p in proofs if p.year == year}
    return frozenset(found)


@dataclass(frozen=True)
class CoverageBasis:
    """Which academies the year's coverage counts, the rule that says so, and the proofs."""

    rule: Used
    network: bool  # True: every academy of the network, recognised or not
    proofs: frozenset[Proof]  # what the coverage figures count
    apart: frozenset[Proof]  # reach of academies not recognised on the session's date
    # Whether only places reached with a traject count (stem/coverage/traject_required)
    traject_rule: Used | None = None


async def coverage_basis(session: AsyncSession, year: int, *, apart: bool = False) -> CoverageBasis:
    """The year's coverage proofs under its rule; the reach counted apart is read when the
    rule counts the network or `apart` asks for it (else it is left empty: it costs a scan
    of the year's activities)."""
    rule = base_parameters().lookup(COVERAGE_RULE, date(year, 1, 1))
    network = counts_network(rule.value)
    recognised = await proofs_of_year(session, year)
    if network or apart:
        apart_proofs = await unrecognised_proofs(session, year)
    else:
        apart_proofs = frozenset()
    counted = coverage_proofs(recognised, apart_proofs, network)
    on = date(year, 1, 1)
    traject_rule = base_parameters().lookup(COVERAGE_NEEDS_TRAJECT, on)
    if traject_rule.value is True:  # 2019: "minstens 1 reeks STEM-activiteiten" (V6, V7)
        minimum = int(base_parameters().lookup(MIN_SESSIONS, on).value)
        trajecten = await activity_facts.trajecten_of(session, {p.activity_id for p in counted})
        counted = of_trajecten(counted, trajecten, minimum)
    return CoverageBasis(rule, network, counted, apart_proofs, traject_rule)
