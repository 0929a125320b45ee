"""The reach (academy, year, municipality: reached or not) and the evidence that proves it,
read and written inside the caller's transaction.

Works on PostgreSQL and SQLite alike. On PostgreSQL, row locks (`FOR UPDATE`) serialise
two consumers that change the same reach at once; SQLite has a
single writer, so there `with_for_update()` compiles to nothing and is not needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable, Tuple

from subsidy.adapters.orm import reach, reach_evidence
from subsidy.domain.reach import Proof, ReachKey


def _key_of(table: Table) -> Tuple:
    """The (academy_id, year, nis_code) columns of `reach` or `reach_evidence`, for IN lists."""
    return tuple_(table.c.academy_id, table.c.year, table.c.nis_code)


# The statements of every event, built once: building a statement (and its cache key)
# costs more than sending it. Values are bound at execution (`bindparam`).
_e, _r = reach_evidence.c, reach.c
_EVIDENCE_OF = select(_e.academy_id, _e.year, _e.nis_code, _e.postal_code, _e.activity_id).where(
    _e.activity_id == bindparam("activity_id")
)
_LOCK_REACH = (
    select(_r.academy_id, _r.year, _r.nis_code, _r.reached)
    .where(_key_of(reach).in_(bindparam("keys", expanding=True)))
    .order_by(_r.academy_id, _r.year, _r.nis_code)
    .with_for_update()
)
_PROOF = (
    select(reach_evidence)
    .where(_key_of(reach_evidence).in_(bindparam("keys", expanding=True)))
    .order_by(_e.activity_id, _e.postal_code)
)
_INSERT_EVIDENCE = insert(reach_evidence)
_INSERT_IGNORE: dict[tuple[str, Table], Executable] = {}


async def _insert_ignore(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows, skipping those whose primary key exists (waits for a concurrent insert).

    The rows are parameters, not part of the statement (`.values(rows)` is compiled anew
    each time): one cached statement, sent with all rows in one go, in their order.
    """
    # Functional, not a speed-up: ON CONFLICT is only in the dialects' own insert constructs.
    dialect = session.get_bind().dialect.name
    stmt = _INSERT_IGNORE.get((dialect, table))
    if stmt is None:
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _INSERT_IGNORE[(dialect, table)] = insert_(table).on_conflict_do_nothing()
    await session.execute(stmt, list(rows))


def _values(keys: Iterable[ReachKey]) -> list[tuple[str, int, str]]:
    return [(k.academy_id, k.year, k.nis_code) for k in keys]


async def evidence_of(session: AsyncSession, activity_id: str) -> frozenset[Proof]:
    rows = await session.execute(_EVIDENCE_OF, {"activity_id": activity_id})
    return frozenset(Proof(*row) for row in rows)


async def lock_reach(
    session: AsyncSession, keys: Iterable[ReachKey], now: datetime
) -> dict[ReachKey, bool]:
    """Lock the reach rows of `keys` (creating missing ones as not reached); their state.

    Rows are created and locked in key order, so two transactions that share keys wait for
    each other instead of deadlocking.
    """
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    await _insert_ignore(
        session,
        reach,
        [
            {
                "academy_id": k.academy_id,
                "year": k.year,
                "nis_code": k.nis_code,
                "reached": False,
                "changed_at": now,
            }
            for k in ordered
        ],
    )
    rows = await session.execute(_LOCK_REACH, {"keys": _values(ordered)})
    return {ReachKey(r.academy_id, r.year, r.nis_code): r.reached for r in rows}


async def replace_evidence(
    session: AsyncSession, old: frozenset[Proof], new: frozenset[Proof]
) -> None:
    e = reach_evidence.c
    gone = sorted(old - new)
    if gone:
        key = tuple_(e.academy_id, e.year, e.nis_code, e.postal_code, e.activity_id)
        await session.execute(
            delete(reach_evidence).where(
                key.in_(
                    [(p.academy_id, p.year, p.nis_code, p.postal_code, p.activity_id) for p in gone]
                )
            )
        )
    added = sorted(new - old)
    if added:
        await session.execute(_INSERT_EVIDENCE, [p._asdict() for p in added])


async def proof(session: AsyncSession, keys: Iterable[ReachKey]) -> dict[ReachKey, list[Proof]]:
    """The proofs of each of `keys` (keys without any are left out), by activity."""
    wanted = _values(sorted(set(keys)))
    if not wanted:
        return {}
    rows = await session.execute(_PROOF, {"keys": wanted})
    found: dict[ReachKey, list[Proof]] = {}
    for r in rows:
        p = Proof(r.academy_id, r.year, r.nis_code, r.postal_code, r.activity_id)
        found.setdefault(p.key, []).append(p)
    return found


async def set_reached(
    session: AsyncSession, states: Mapping[ReachKey, bool], now: datetime
) -> None:
    for key, reached in sorted(states.items()):
        await session.execute(
            update(reach)
            .where(
                reach.c.academy_id == key.academy_id,
                reach.c.year == key.year,
                reach.c.nis_code == key.nis_code,
            )
            .values(reached=reached, changed_at=now)
        )


async def proofs_of_year(session: AsyncSession, year: int) -> frozenset[Proof]:
    e = reach_evidence.c
    query = select(e.academy_id, e.year, e.nis_code, e.postal_code, e.activity_id)
    return frozenset(Proof(*row) for row in await session.execute(query.where(e.year == year)))


async def years(session: AsyncSession) -> list[int]:
    """The years any evidence is for."""
    return list((await session.execute(select(_e.year).distinct())).scalars())


async def years_of_academy(session: AsyncSession, academy_id: str) -> set[int]:
    """The years the academy has evidence of reach in."""
    rows = await session.execute(select(_e.year).where(_e.academy_id == academy_id).distinct())
    return {year for (year,) in rows}
