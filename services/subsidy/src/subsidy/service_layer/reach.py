"""Use cases: an activity was published, updated or withdrawn -> reach and its events.

Each runs inside the caller's transaction (the consumer's), so the activity copy, the
evidence, the reach state and the `ReachChanged` events in the outbox commit together.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivitySnapshot, ActivityWithdrawn
from stemkit.contracts.subsidy import ReachChanged
from stemkit.outbox import add_event
from subsidy.adapters import repository as repo
from subsidy.domain.reach import ActivityFacts, ReachKey, changes, evidence, occurrence_years

SOURCE = "/stem/subsidy"
log = logging.getLogger(__name__)


def _is_stale(stored: repo.StoredActivity | None, modified: datetime) -> bool:
    # Equal `modified` is applied again: it is the same document, so it changes nothing.
    return stored is not None and modified < stored.modified


async def record_activity(session: AsyncSession, snapshot: ActivitySnapshot) -> None:
    """The activity's current state arrived (published or updated)."""
    stored = await repo.lock_activity(session, snapshot.activity_id)
    if _is_stale(stored, snapshot.modified):
        log.info("ignoring an older version of activity %s", snapshot.activity_id)
        return
    facts = ActivityFacts(
        activity_id=snapshot.activity_id,
        academy_id=snapshot.academy_id,
        nis_code=snapshot.location.nis_code,
        public=snapshot.public,
        status=snapshot.status,
        years=occurrence_years(o.start for o in snapshot.occurrences),
    )
    await repo.save_activity(
        session, facts, modified=snapshot.modified, withdrawn=False, exists=stored is not None
    )
    await _apply_evidence(session, facts.activity_id, evidence(facts))


async def withdraw_activity(session: AsyncSession, withdrawn: ActivityWithdrawn) -> None:
    """The activity left the STEM-kalender: it proves nothing any more.

    The activity row stays as a tombstone, so an older `published` that arrives late
    (Kafka redelivery, a replay) cannot bring it back.
    """
    stored = await repo.lock_activity(session, withdrawn.activity_id)
    if _is_stale(stored, withdrawn.modified):
        log.info("ignoring an older withdrawal of activity %s", withdrawn.activity_id)
        return
    tombstone = ActivityFacts(
        activity_id=withdrawn.activity_id,
        academy_id=None,
        nis_code=None,
        public=False,
        status="unavailable",
        years=frozenset(),
    )
    await repo.save_activity(
        session, tombstone, modified=withdrawn.modified, withdrawn=True, exists=stored is not None
    )
    await _apply_evidence(session, withdrawn.activity_id, frozenset())


async def _apply_evidence(
    session: AsyncSession, activity_id: str, new: frozenset[ReachKey]
) -> None:
    """Replace the activity's evidence; outbox a `ReachChanged` for each reach that flipped."""
    old = await repo.evidence_of(session, activity_id)
    if old == new:
        return
    now = datetime.now(UTC)
    before = await repo.lock_reach(session, old | new, now)
    await repo.replace_evidence(session, activity_id, old, new)
    proof = await repo.proof(session, old | new)
    flipped = changes(before, {key: key in proof for key in old | new})
    await repo.set_reached(session, {c.key: c.reached for c in flipped}, now)
    for change in flipped:
        payload = ReachChanged(
            academy_id=change.key.academy_id,
            year=change.key.year,
            nis_code=change.key.nis_code,
            reached=change.reached,
            activity_ids=proof.get(change.key, []),
        )
        await add_event(session, CATALOG, CATALOG.new_event(payload, source=SOURCE))
