"""Use cases: activity events, and recognition decisions, -> reach and its events.

Each runs inside the caller's transaction (the consumer's), so the state copy, the
evidence, the reach state and the `ReachChanged` events in the outbox commit together.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivitySnapshot, ActivityWithdrawn
from stemkit.contracts.subsidy import ReachChanged
from stemkit.domain.place_periods import Period
from stemkit.eventing.outbox import add_event
from subsidy.adapters import activity_copy, activity_facts, dirty_years, reach_store
from subsidy.adapters import registry_copy as registry
from subsidy.domain.audience import open_offer
from subsidy.domain.municipalities import on_session_days
from subsidy.domain.parameters import ParameterSet, load_parameters
from subsidy.domain.reach import (
    NO_POSTAL_CODE,
    ActivityFacts,
    OccurrenceFacts,
    Proof,
    ReachKey,
    brussels_day,
    evidence,
)
from subsidy.domain.recognition import RecognitionHistory
from subsidy.domain.sessions import session_occurrences, subevent_days

SOURCE = "/stem/subsidy"
UNRECORDED = "stem/reach/unrecorded_recognition_counts"
EDUCATION_ONLY = "stem/reach/education_only_counts"
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def base_parameters() -> ParameterSet:
    """The parameter files, read once per process (they change with a deployment only)."""
    return load_parameters()


@lru_cache(maxsize=256)
def unrecorded_counts(year: int) -> bool:
    """The dated rule for academies without any recognition decision (see the parameter)."""
    return bool(base_parameters().lookup(UNRECORDED, date(year, 1, 1)).value)


def _occurrences(
    snapshot: ActivitySnapshot, through_year: int | None
) -> tuple[OccurrenceFacts, ...]:
    """The days of its dates (a multi-day one: each day), or for a periodic or permanent
    activity the days its sessions are held (`domain.sessions`: the compact calendar
    expanded by the rule both services share)."""
    if snapshot.calendar is None:  # a multi-day occurrence (a camp): a session per day
        return subevent_days((o.start, o.end, o.status, o.nis_code) for o in snapshot.occurrences)
    ranges = {o.nis_code for o in snapshot.occurrences}
    return session_occurrences(
        snapshot.calendar.rules(),
        through_year=through_year or datetime.now(UTC).year,
        available_from=None
        if snapshot.available_from is None
        else brussels_day(snapshot.available_from),
        nis_code=ranges.pop() if len(ranges) == 1 else None,
    )


def facts_of(snapshot: ActivitySnapshot, through_year: int | None = None) -> ActivityFacts:
    occurrences = _occurrences(snapshot, through_year)
    nis_code = snapshot.location.nis_code
    if snapshot.location.periods:  # the session's date picks the municipality
        periods = [Period(**p.model_dump()) for p in snapshot.location.periods]
        occurrences, nis_code = on_session_days(occurrences, periods), None
    return ActivityFacts(
        activity_id=snapshot.activity_id,
        academy_id=snapshot.academy_id,
        nis_code=nis_code,
        postal_code=snapshot.location.postal_code,
        public=snapshot.public,
        status=snapshot.status,
        occurrences=occurrences,
        theme_ids=tuple(snapshot.theme_ids),
        age_min=snapshot.age_min,
        age_max=snapshot.age_max,
        audience=snapshot.audience,
    )


@lru_cache(maxsize=256)
def education_only_counts(year: int) -> bool:
    """The dated rule for school-only (`audienceType: education`) activities."""
    return bool(base_parameters().lookup(EDUCATION_ONLY, date(year, 1, 1)).value)


def proofs_of(facts: ActivityFacts, history: RecognitionHistory) -> frozenset[Proof]:
    return open_offer(facts, evidence(facts, history, unrecorded_counts), education_only_counts)


def _is_stale(stored: activity_copy.StoredActivity | None, modified: datetime) -> bool:
    # Equal `modified` is applied again: it is the same document, so it changes nothing.
    return stored is not None and modified < stored.modified


async def record_activity(session: AsyncSession, snapshot: ActivitySnapshot) -> None:
    """The activity's current state arrived (published or updated)."""
    stored = await activity_copy.lock_activity(session, snapshot.activity_id)
    if _is_stale(stored, snapshot.modified):
        log.info("ignoring an older version of activity %s", snapshot.activity_id)
        return
    facts = facts_of(snapshot)
    await activity_copy.save_activity(
        session, facts, modified=snapshot.modified, exists=stored is not None
    )
    history = (
        await registry.recognition_of(session, facts.academy_id)
        if facts.academy_id
        else RecognitionHistory()
    )
    # A new activity has no proofs yet: evidence is written only for stored activities
    # (here, and by a rebuild, which writes both), and our insert of its row succeeded.
    old = frozenset[Proof]() if stored is None else None
    await apply_evidence(session, facts.activity_id, proofs_of(facts, history), old)


async def withdraw_activity(session: AsyncSession, withdrawn: ActivityWithdrawn) -> None:
    """The activity left the STEM-kalender: it proves nothing any more.

    The activity row stays as a tombstone, so an older `published` that arrives late
    (Kafka redelivery, a replay) cannot bring it back.
    """
    stored = await activity_copy.lock_activity(session, withdrawn.activity_id)
    if _is_stale(stored, withdrawn.modified):
        log.info("ignoring an older withdrawal of activity %s", withdrawn.activity_id)
        return
    tombstone = ActivityFacts(
        activity_id=withdrawn.activity_id,
        academy_id=None,
        nis_code=None,
        public=False,
        status="unavailable",
        withdrawn=True,
    )
    await activity_copy.save_activity(
        session, tombstone, modified=withdrawn.modified, exists=stored is not None
    )
    await apply_evidence(session, withdrawn.activity_id, frozenset())


async def recompute_academy(session: AsyncSession, academy_id: str) -> None:
    """The academy's recognition changed: re-evaluate every one of its activities."""
    history = await registry.recognition_of(session, academy_id)
    for facts in await activity_facts.activities_of(session, academy_id, lock=True):
        await apply_evidence(session, facts.activity_id, proofs_of(facts, history))


def _replaced(
    before: dict[ReachKey, list[Proof]], old: frozenset[Proof], new: frozenset[Proof]
) -> dict[ReachKey, list[Proof]]:
    """The proofs of the same keys once the activity's `old` proofs are replaced by `new`,
    as `reach_store.proof` would read them again (keys without any left out, by activity).

    Exact, not an estimate: the reach rows of every key are locked (`lock_reach`) before
    `before` is read, and an activity's proofs change only under its row lock, so nothing
    but this replacement changes the proofs of these keys in between.
    """
    proofs = {p for found in before.values() for p in found} - old | new
    after: dict[ReachKey, list[Proof]] = {}
    for p in sorted(proofs, key=lambda p: (p.activity_id, p.postal_code)):
        after.setdefault(p.key, []).append(p)
    return after


def _postal_codes(proofs: list[Proof]) -> list[str]:
    return sorted({p.postal_code for p in proofs} - {NO_POSTAL_CODE})


async def apply_evidence(
    session: AsyncSession,
    activity_id: str,
    new: frozenset[Proof],
    old: frozenset[Proof] | None = None,
) -> None:
    """Replace the activity's proofs (`old`, read if not given); outbox a `ReachChanged`
    for each reach that flipped or whose postal codes changed."""
    if old is None:
        old = await reach_store.evidence_of(session, activity_id)
    if old == new:
        return
    now = datetime.now(UTC)
    keys = {p.key for p in old | new}
    reached_before = await reach_store.lock_reach(session, keys, now)
    proof_before = await reach_store.proof(session, keys)
    await reach_store.replace_evidence(session, old, new)
    proof_after = _replaced(proof_before, old, new)
    await dirty_years.mark_dirty(session, {k.year for k in keys})
    flips = {}
    for key in sorted(keys):
        after = proof_after.get(key, [])
        postal = _postal_codes(after)
        flipped = reached_before.get(key, False) != bool(after)
        if not flipped and (not after or postal == _postal_codes(proof_before.get(key, []))):
            continue
        if flipped:
            flips[key] = bool(after)
        payload = ReachChanged(
            academy_id=key.academy_id,
            year=key.year,
            nis_code=key.nis_code,
            reached=bool(after),
            activity_ids=sorted({p.activity_id for p in after}),
            postal_codes=postal,
        )
        await add_event(session, CATALOG, CATALOG.new_event(payload, source=SOURCE))
    await reach_store.set_reached(session, flips, now)
