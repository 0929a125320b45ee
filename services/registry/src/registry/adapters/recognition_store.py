"""Reading and writing recognition decisions and roles (SQLAlchemy Core)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import academy_roles, recognition_decisions
from registry.domain.recognition import Decision


def _decision(row: Row[Any]) -> Decision:
    return Decision(
        decision_id=row.decision_id,
        academy_id=row.academy_id,
        sequence=row.sequence,
        status=row.status,
        decided_on=row.decided_on,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        reason=row.reason,
        author=row.author,
    )


async def history(session: AsyncSession, academy_id: str) -> list[Decision]:
    rows = await session.execute(
        select(recognition_decisions)
        .where(recognition_decisions.c.academy_id == academy_id)
        .order_by(recognition_decisions.c.sequence)
    )
    return [_decision(row) for row in rows]


async def histories(session: AsyncSession) -> dict[str, list[Decision]]:
    """Every academy's decisions, oldest first (a few per academy, a few hundred academies)."""
    rows = await session.execute(
        select(recognition_decisions).order_by(
            recognition_decisions.c.academy_id, recognition_decisions.c.sequence
        )
    )
    found: dict[str, list[Decision]] = defaultdict(list)
    for row in rows:
        found[row.academy_id].append(_decision(row))
    return dict(found)


async def histories_of(
    session: AsyncSession, academy_ids: Sequence[str]
) -> dict[str, list[Decision]]:
    """The decisions of these academies, oldest first (academies without any left out)."""
    rows = await session.execute(
        select(recognition_decisions)
        .where(recognition_decisions.c.academy_id.in_(list(academy_ids)))
        .order_by(recognition_decisions.c.academy_id, recognition_decisions.c.sequence)
    )
    found: dict[str, list[Decision]] = defaultdict(list)
    for row in rows:
        found[row.academy_id].append(_decision(row))
    return dict(found)


async def roles_in_year(
    session: AsyncSession, academy_ids: Sequence[str], year: int
) -> dict[str, list[str]]:
    """The roles these academies hold in `year`, by academy (those without any left out)."""
    rows = await session.execute(
        select(academy_roles.c.academy_id, academy_roles.c.role)
        .where(academy_roles.c.academy_id.in_(list(academy_ids)), academy_roles.c.year == year)
        .order_by(academy_roles.c.academy_id, academy_roles.c.role)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for academy_id, role in rows:
        found[academy_id].append(role)
    return dict(found)


async def add(session: AsyncSession, decision: Decision, recorded_at: datetime) -> None:
    await session.execute(
        insert(recognition_decisions).values(**vars(decision), recorded_at=recorded_at)
    )


async def roles(session: AsyncSession, academy_id: str) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(academy_roles.c.year, academy_roles.c.role)
        .where(academy_roles.c.academy_id == academy_id)
        .order_by(academy_roles.c.year, academy_roles.c.role)
    )
    return [(year, role) for year, role in rows]


async def add_role(
    session: AsyncSession, academy_id: str, year: int, role: str, at: datetime
) -> None:
    await session.execute(
        insert(academy_roles).values(academy_id=academy_id, year=year, role=role, assigned_at=at)
    )


async def remove_role(session: AsyncSession, academy_id: str, year: int, role: str) -> bool:
    result = await session.execute(
        delete(academy_roles).where(
            academy_roles.c.academy_id == academy_id,
            academy_roles.c.year == year,
            academy_roles.c.role == role,
        )
    )
    return bool(getattr(result, "rowcount", 0))
