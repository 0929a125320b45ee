"""The write half of a rebuild: registry state, activities, evidence and reach, in bulk."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters import bulk, registry_store
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
from subsidy.domain.reach import ActivityFacts, Proof
from subsidy.domain.recognition import RecognitionHistory
from subsidy.service_layer.handlers import ROUTES
from subsidy.service_layer.reach import proofs_of

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
)


async def replace_state(
    session: AsyncSession,
    registry: Sequence[tuple[str, bytes]],
    snapshots: Sequence[tuple[ActivityFacts, datetime]],
    tombstones: Sequence[tuple[str, datetime]],
) -> int:
    """Replace every state table; the number of proofs written."""
    await bulk.clear(
        session,
        [
            reach_evidence,
            reach,
            activity_occurrences,
            activities,
            academy_roles,
            recognition_decisions,
            academies,
            municipality_postal_codes,
            municipalities,
        ],
    )
    for kind, value in registry:  # few: the registry's own use cases, in topic order
        route = ROUTES.get(kind)
        if route is not None:
            payload, use_case = route
            await use_case(session, payload.model_validate(json.loads(value)))
    histories = await registry_store.all_recognition(session)
    empty = RecognitionHistory()
    rows: list[tuple[object, ...]] = []
    occurrences: list[tuple[object, ...]] = []
    proofs: set[Proof] = set()
    for facts, modified in snapshots:
        rows.append(
            (
                facts.activity_id,
                facts.academy_id,
                facts.nis_code,
                facts.postal_code,
                facts.public,
                facts.status,
                False,
                modified.astimezone(UTC),
                json.dumps(list(facts.theme_ids)),
                facts.age_min,
                facts.age_max,
            )
        )
        occurrences.extend(
            (facts.activity_id, n, o.day, o.status, o.nis_code)
            for n, o in enumerate(facts.occurrences)
        )
        if facts.academy_id:
            proofs |= proofs_of(facts, histories.get(facts.academy_id, empty))
    rows.extend(
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
        )
        for activity_id, modified in tombstones
    )
    await bulk.load(session, activities, ACTIVITY_COLUMNS, rows)
    await bulk.load(
        session,
        activity_occurrences,
        ("activity_id", "seq", "day", "status", "nis_code"),
        occurrences,
    )
    evidence = list(proofs)
    await bulk.load(
        session,
        reach_evidence,
        ("academy_id", "year", "nis_code", "postal_code", "activity_id"),
        [(p.academy_id, p.year, p.nis_code, p.postal_code, p.activity_id) for p in evidence],
    )
    now = datetime.now(UTC)
    keys = {p.key for p in evidence}
    await bulk.load(
        session,
        reach,
        ("academy_id", "year", "nis_code", "reached", "changed_at"),
        [(k.academy_id, k.year, k.nis_code, True, now) for k in keys],
    )
    years = (await session.execute(select(reach_evidence.c.year).distinct())).scalars()
    await registry_store.mark_dirty(session, years)
    return len(evidence)
