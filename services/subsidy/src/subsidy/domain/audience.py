"""Open offer: a school-only activity (UiT `audienceType: education`) is not the academy's
open offer, so it proves no reach for subsidy in a year whose parameter
`stem/reach/education_only_counts` says false. Pure.

Sources: recognition asks for an "open aanbod" (V16, subsidy-rules.md §1.1); academies run
activities for children in their free time (domain.md); UiTdatabank marks school-only events
`education`, which its own calendars do not show (uitdatabank.md §8, §9).
"""

from __future__ import annotations

from collections.abc import Callable

from subsidy.domain.reach import ActivityFacts, Proof

EDUCATION = "education"


def open_offer(
    facts: ActivityFacts, proofs: frozenset[Proof], counts: Callable[[int], bool]
) -> frozenset[Proof]:
    """The proofs left once a school-only activity's years that do not count are removed."""
    if facts.audience != EDUCATION or not proofs:
        return proofs
    return frozenset(p for p in proofs if counts(p.year))
