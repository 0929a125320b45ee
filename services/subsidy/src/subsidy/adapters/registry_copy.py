"""The subsidy service's copy of the registry: academies, recognition, roles, municipalities.

The consumer applies many events in one transaction (`stemkit.eventing.consumer`). What this module
has read or written in the current transaction is remembered for the rest of it
(`stemkit.storage.transaction_memo`: a rollback or the next transaction starts afresh): each
academy's recognition history, until a decision is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.storage.transaction_memo import forget, memo
from subsidy.adapters.orm import (
    academies,
    academy_roles,
    municipalities,
    municipality_postal_codes,
    recognition_decisions,
)
from subsidy.domain.claims import AcademyFacts
from subsidy.domain.municipalities import Gazetteer, Municipality
from subsidy.domain.recognition import Decision, RecognitionHistory, describe

NO_DECISIONS = RecognitionHistory()
_RECOGNITION = "subsidy.recognition"  # transaction memo names
_d = recognition_decisions.c
_RECOGNITION_OF = select(  # built once: building costs more than sending it
    _d.decision_id, _d.status, _d.decided_on, _d.valid_from, _d.valid_until
).where(_d.academy_id == bindparam("academy_id"))


async def upsert(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert rows, or update the non-key columns of those whose key exists."""
    if not rows:
        return
    # Functional, not a speed-up: ON CONFLICT is only in the dialects' own insert constructs.
    dialect = session.get_bind().dialect.name
    # The rows are parameters, not part of the statement, so the statement is cached.
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    changing = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    if table is recognition_decisions:
        forget(session, _RECOGNITION)  # histories read before are out of date
    if changing:
        stmt_ = stmt.on_conflict_do_update(index_elements=keys, set_=changing)
    else:
        stmt_ = stmt.on_conflict_do_nothing(index_elements=keys)
    await session.execute(stmt_, list(rows))


async def recognition_of(session: AsyncSession, academy_id: str) -> RecognitionHistory:
    """The academy's decisions (read once per transaction: most events of a chunk are
    activities of a few academies)."""
    known: dict[str, RecognitionHistory] = memo(session, _RECOGNITION)
    history = known.get(academy_id)
    if history is None:
        rows = await session.execute(_RECOGNITION_OF, {"academy_id": academy_id})
        history = known[academy_id] = RecognitionHistory.of(Decision(*row) for row in rows)
    return history


async def all_recognition(session: AsyncSession) -> dict[str, RecognitionHistory]:
    d = recognition_decisions.c
    found: dict[str, list[Decision]] = defaultdict(list)
    rows = await session.execute(
        select(d.academy_id, d.decision_id, d.status, d.decided_on, d.valid_from, d.valid_until)
    )
    for academy_id, *rest in rows:
        found[academy_id].append(Decision(*rest))
    return {a: RecognitionHistory.of(ds) for a, ds in found.items()}


async def academies_in(session: AsyncSession, year: int) -> dict[str, AcademyFacts]:
    """Every academy known (from the registry, its roles or its recognition decisions), with
    its roles in `year`, its fixed location and the recognition decisions in force that year."""
    roles: dict[str, set[str]] = defaultdict(set)
    r = academy_roles.c
    for academy_id, role in await session.execute(
        select(r.academy_id, r.role).where(r.year == year)
    ):
        roles[academy_id].add(role)
    a = academies.c
    fixed = dict((await session.execute(select(a.academy_id, a.fixed_postal_code))).all())
    histories = await all_recognition(session)
    first, last = date(year, 1, 1), date(year, 12, 31)
    return {
        academy_id: AcademyFacts(
            academy_id,
            frozenset(roles.get(academy_id, ())),
            fixed.get(academy_id),
            tuple(
                describe(d)
                for d in histories.get(academy_id, NO_DECISIONS).recognising_during(first, last)
            ),
        )
        for academy_id in sorted(fixed.keys() | roles.keys() | histories.keys())
    }


async def gazetteer(session: AsyncSession) -> Gazetteer:
    p = municipality_postal_codes.c
    postal: dict[str, list[str]] = defaultdict(list)
    for nis, code in await session.execute(
        select(p.nis_code, p.postal_code).order_by(p.postal_code)
    ):
        postal[nis].append(code)
    rows = await session.execute(select(municipalities))
    return Gazetteer(
        Municipality(
            r.nis_code,
            r.name_nl,
            r.province_nl,
            r.valid_from,
            r.valid_to,
            r.merged_into_nis,
            tuple(postal[r.nis_code]),
            r.latitude,
            r.longitude,
        )
        for r in rows
    )


async def replace_postal_codes(session: AsyncSession, nis_code: str, codes: Iterable[str]) -> None:
    p = municipality_postal_codes.c
    await session.execute(delete(municipality_postal_codes).where(p.nis_code == nis_code))
    rows = [{"nis_code": nis_code, "postal_code": c} for c in sorted(set(codes))]
    await upsert(session, municipality_postal_codes, rows, ["nis_code", "postal_code"])


async def remove_role(session: AsyncSession, academy_id: str, year: int, role: str) -> None:
    r = academy_roles.c
    await session.execute(
        delete(academy_roles).where(r.academy_id == academy_id, r.year == year, r.role == role)
    )


async def academy_names(session: AsyncSession) -> dict[str, str]:
    """Every academy's name, by id."""
    rows = await session.execute(select(academies.c.academy_id, academies.c.name))
    return dict(rows.tuples().all())
