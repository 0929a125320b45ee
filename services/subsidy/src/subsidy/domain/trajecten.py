"""Trajecten: which activities are a STEM-traject, and which academy claims one. Pure.

The calls pay for places "reached with a STEM-traject" (2020, 2021 [S V5, V7]) or where "a
STEM-traject is rolled out" (2023 [S V12, V13]). The rules we apply (README "Trajecten"):

- One UiT activity (event) is one traject candidate; its sessions are its occurrences, or
  the sessions its periodic/permanent calendar expands to (`domain.sessions`).
- It is a traject when it has at least `stem/recognition/min_sessions_per_traject` sessions
  (2, inferred from "continuïteit = at least 2 activities offered in a row to the same
  participants" [S V2]). Counted over the whole traject, not per year: continuity is a
  property of the series, so a course of one session in December and one in January is a
  traject reaching both years. The minimum is the one in force in each reached year.
- One activity is one dagdeel [S V2]; the subsidy copy keeps the day of each session, so
  sessions on the same day count once (two dagdelen of one day count as one: the count
  never exceeds the dagdelen held). Cancelled sessions are not held and do not count.
- Co-organised: "one traject rolled out by several academies is not claimed by each of
  them" [S V13]. Which one claims it the sources do not say; we apply
  `stem/trajecten/co_organised_claimed_by` = `organizer` (inferred): the academy of the UiT
  `organizer`, the party responsible for the event. If an operator sets it `unknown`, a
  co-organised traject is claimed by no one (fails closed); a traject of one academy is
  unaffected. UiT events have one organizer; UiT `contributors` are editors' e-mail
  addresses (deprecated, uitdatabank.md §2), not co-organisers, so the co-organising
  academies (`ActivityFacts.co_organisers`) are not read from UiT.
"""

from __future__ import annotations

from collections.abc import Callable

from subsidy.domain.reach import ActivityFacts, Proof

MIN_SESSIONS = "stem/recognition/min_sessions_per_traject"
CLAIMED_BY = "stem/trajecten/co_organised_claimed_by"
ORGANIZER = "organizer"  # the only claimant rule known; any other value claims nothing


def sessions_held(facts: ActivityFacts) -> int:
    """The sessions of the whole traject that are held: distinct days, not cancelled."""
    if facts.status == "unavailable":
        return 0
    return len({o.day for o in facts.occurrences if o.status != "unavailable"})


def claimant(facts: ActivityFacts, claimed_by: str | None) -> str | None:
    """The one academy that claims the traject: its own academy when it has no
    co-organiser; when co-organised, the organizer's under `organizer`, else no one."""
    if not set(facts.co_organisers) - {facts.academy_id}:
        return facts.academy_id
    return facts.academy_id if claimed_by == ORGANIZER else None


def traject_proofs(
    facts: ActivityFacts,
    proofs: frozenset[Proof],
    min_sessions: Callable[[int], int],
    claimed_by: Callable[[int], str | None],
) -> frozenset[Proof]:
    """The proofs left once the activity is held to be one traject claimed once: none for a
    year whose minimum it does not reach, none for an academy that does not claim it."""
    if not proofs:
        return proofs
    held = sessions_held(facts)
    return frozenset(
        p
        for p in proofs
        if held >= min_sessions(p.year) and p.academy_id == claimant(facts, claimed_by(p.year))
    )
