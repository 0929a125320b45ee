"""The write half of a rebuild: registry state, activities, evidence and reach, in bulk."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.contracts.activities import ActivitySnapshot
from subsidy.adapters import bulk, dirty_years, reach_store, registry_copy
from subsidy.adapters.orm import (
    academies,
    academy_roles,
    activities,
    activity_occurrences,
    municipalities,
    municipality_postal_codes,
    reach,
    reach_evidence,
    recognition_decisions,
)
from subsidy.domain.reach import ActivityFacts, OccurrenceFacts, Proof, ReachKey, brussels_day
from subsidy.domain.recognition import RecognitionHistory
from subsidy.service_layer.handlers import ROUTES
from subsidy.service_layer.reach_facts import facts_of, proofs_of

CHUNK = 20_000
Rows = list[tuple[object, ...]]
ACTIVITY_COLUMNS = (
    "activity_id",
    "academy_id",
    "nis_code",
    "postal_code",
    "public",
    "status",
    "withdrawn",
    "modified",
    "theme_ids",
    "age_min",
    "age_max",
    "audience",
)


STATE_TABLES = [
    reach_evidence,
    reach,
    activity_occurrences,
    activities,
    academy_roles,
    recognition_decisions,
    academies,
    municipality_postal_codes,
    municipalities,
]  # children before parents


async def replace_state(
    session: AsyncSession,
    registry: Sequence[tuple[str, bytes]],
    snapshots: Sequence[tuple[bytes, datetime]],
    tombstones: Sequence[tuple[str, datetime]],
) -> int:
    """Replace every state table; the number of proofs written."""
    await bulk.clear(session, STATE_TABLES)
    for kind, value in registry:  # few: the registry's own use cases, in topic order
        route = ROUTES.get(kind)
        if route is not None:
            payload, use_case = route
            await use_case(session, payload.model_validate(json.loads(value)))
    histories = await registry_copy.all_recognition(session)
    proofs, keys = await _load_activities(session, snapshots, histories)
    await _load_withdrawn(session, tombstones)
    now = datetime.now(UTC)
    await bulk.load(
        session,
        reach,
        ("academy_id", "year", "nis_code", "reached", "changed_at"),
        [(k.academy_id, k.year, k.nis_code, True, now) for k in keys],
    )
    await dirty_years.mark_dirty(session, await reach_store.years(session))
    return proofs


async def _load_activities(
    session: AsyncSession,
    snapshots: Sequence[tuple[bytes, datetime]],
    histories: dict[str, RecognitionHistory],
) -> tuple[int, set[ReachKey]]:
    """The activities, their sessions and evidence, chunk by chunk; the proofs written and
    the reach they prove."""
    proofs = 0
    keys: set[ReachKey] = set()
    loading: asyncio.Task[None] | None = None
    for start in range(0, len(snapshots), CHUNK):
        # Build a chunk's rows while PostgreSQL takes the previous chunk (the other core).
        rows, occurrences, evidence = await _chunk(snapshots[start : start + CHUNK], histories)
        proofs += len(evidence)
        keys.update(p.key for p in evidence)
        if loading is not None:
            await loading
        loading = asyncio.create_task(_load(session, rows, occurrences, evidence))
    if loading is not None:
        await loading
    return proofs, keys


async def _load_withdrawn(
    session: AsyncSession, tombstones: Sequence[tuple[str, datetime]]
) -> None:
    """A withdrawn activity stays in the copy as unavailable (so a stale event is known)."""
    gone: Rows = [
        (
            activity_id,
            None,
            None,
            None,
            False,
            "unavailable",
            True,
            modified.astimezone(UTC),
            "[]",
            None,
            None,
            None,
        )
        for activity_id, modified in tombstones
    ]
    await bulk.load(session, activities, ACTIVITY_COLUMNS, gone)


async def _chunk(
    snapshots: Sequence[tuple[bytes, datetime]], histories: dict[str, RecognitionHistory]
) -> tuple[Rows, Rows, list[Proof]]:
    rows: Rows = []
    occurrences: Rows = []
    proofs: list[Proof] = []
    empty = RecognitionHistory()
    for n, (value, modified) in enumerate(snapshots):
        if n % 500 == 0:
            await asyncio.sleep(0)  # let the previous chunk's COPY move on
        facts = facts_from_json(value)
        rows.append(
            (
                facts.activity_id,
                facts.academy_id,
                facts.nis_code,
                facts.postal_code,
                facts.public,
                facts.status,
                False,
                modified,
                json.dumps(list(facts.theme_ids)),
                facts.age_min,
                facts.age_max,
                facts.audience,
            )
        )
        occurrences.extend(
            (facts.activity_id, i, o.day, o.status, o.nis_code)
            for i, o in enumerate(facts.occurrences)
        )
        if facts.academy_id:
            proofs.extend(proofs_of(facts, histories.get(facts.academy_id, empty)))
    return rows, occurrences, proofs


async def _load(session: AsyncSession, rows: Rows, occurrences: Rows, proofs: list[Proof]) -> None:
    await bulk.load(session, activities, ACTIVITY_COLUMNS, rows)
    await bulk.load(
        session,
        activity_occurrences,
        ("activity_id", "seq", "day", "status", "nis_code"),
        occurrences,
    )
    await bulk.load(
        session,
        reach_evidence,
        ("academy_id", "year", "nis_code", "postal_code", "activity_id"),
        [tuple(p) for p in proofs],
    )


def facts_from_json(value: bytes) -> ActivityFacts:
    """The facts of an ActivityPublished/Updated payload, read straight from its JSON (the
    hot path of a rebuild); anything unusual goes through the contract's model instead."""
    try:
        d = json.loads(value)
        if d.get("calendar") is not None:  # sessions to expand: through the contract
            return facts_of(ActivitySnapshot.model_validate(d))
        location = d["location"]
        return ActivityFacts(
            activity_id=d["activity_id"],
            academy_id=d.get("academy_id"),
            nis_code=location.get("nis_code"),
            postal_code=location.get("postal_code"),
            public=d.get("public", True),
            status=d.get("status", "available"),
            occurrences=tuple(
                OccurrenceFacts(
                    brussels_day(datetime.fromisoformat(o["start"])),
                    o.get("status"),
                    o.get("nis_code"),
                )
                for o in d.get("occurrences", ())
            ),
            theme_ids=tuple(d.get("theme_ids", ())),
            age_min=d.get("age_min"),
            age_max=d.get("age_max"),
            audience=d.get("audience"),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return facts_of(ActivitySnapshot.model_validate_json(value))
