"""Reach counted apart: what an activity would prove but for its academy's recognition. Pure.

Reach for subsidy needs a recognition in force on the session's date (fails closed: an
academy without any decision is not recognised). The activities of academies that are not
recognised on their dates are still shown to ops, counted apart, and the coverage figures
of a year whose parameter `stem/coverage/academies_counted` says `network` count them too.
"""

from __future__ import annotations

from collections.abc import Callable

from subsidy.domain.reach import NO_DECISIONS, ActivityFacts, Proof, evidence
from subsidy.domain.recognition import RecognitionHistory

COVERAGE_RULE = "stem/coverage/academies_counted"
COUNTED = ("recognised", "network")  # the values of COVERAGE_RULE


def _anyone(_year: int) -> bool:
    return True


def unrecognised_evidence(
    facts: ActivityFacts,
    recognition: RecognitionHistory,
    unrecorded_counts: Callable[[int], bool] = lambda _year: False,
) -> frozenset[Proof]:
    """The proofs the activity would give if its academy were recognised on every date, less
    those it gives: the reach that only the missing recognition keeps out."""
    if facts.academy_id is None:
        return frozenset()
    would = evidence(facts, NO_DECISIONS, _anyone)
    if not would:
        return would
    return would - evidence(facts, recognition, unrecorded_counts)


def counts_network(value: object) -> bool:
    """The coverage parameter's value: `network` counts every academy's activities,
    `recognised` only the recognised academies' (a value outside COUNTED is refused)."""
    if value not in COUNTED:
        raise ValueError(f"{COVERAGE_RULE}: {value!r} not in {COUNTED}")
    return value == "network"


def coverage_proofs(
    recognised: frozenset[Proof], apart: frozenset[Proof], network: bool
) -> frozenset[Proof]:
    """What the coverage figures count: the reach of recognised academies, and with
    `network` also the reach counted apart (every academy of the network, as in 2019)."""
    return recognised | apart if network else recognised
