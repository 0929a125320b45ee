"""Use cases: activity events, and recognition decisions, -> reach and its events.

Each runs inside the caller's transaction (the consumer's), so the state copy, the
evidence, the reach state and the `ReachChanged` events in the outbox commit together.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivitySnapshot, ActivityWithdrawn
from stemkit.contracts.subsidy import ReachChanged
from stemkit.eventing.outbox import add_event
from subsidy.adapters import activity_copy, activity_facts, dirty_years, reach_store
from subsidy.adapters import registry_copy as registry
from subsidy.domain.reach import (
    NO_POSTAL_CODE,
    ActivityFacts,
    Proof,
    ReachKey,
)
from subsidy.domain.recognition import RecognitionHistory
from subsidy.service_layer.reach_facts import facts_of, proofs_of

SOURCE = "/stem/subsidy"
log = logging.getLogger(__name__)


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
