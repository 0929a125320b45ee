"""Activities whose coordinates and postal code disagree (issue 15): a period of the
location's municipality carries a `disagreement` (`stemkit.domain.places`: the address counts,
the coordinates lie elsewhere). Read for ops from the stored snapshots, per dialect:
PostgreSQL walks the JSONB list with `jsonb_array_elements`, SQLite with `json_each`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement

from activities.adapters.orm import activities
from activities.adapters.snapshots import from_snapshot
from activities.domain.model import Activity


class HasDisagreement(ColumnElement[bool]):
    """True when a period of the JSON `snapshot` column's location has a disagreement."""

    type = Boolean()
    inherit_cache = True

    def __init__(self, snapshot: Any) -> None:
        self.snapshot = snapshot


@compiles(HasDisagreement, "postgresql")
def _postgresql(element: HasDisagreement, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.snapshot, **kw)
    return (
        "EXISTS (SELECT 1 FROM jsonb_array_elements("
        f"COALESCE({column} -> 'location' -> 'periods', '[]'::jsonb)) AS period"
        " WHERE period ->> 'disagreement' IS NOT NULL)"
    )


@compiles(HasDisagreement)
def _json_each(element: HasDisagreement, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.snapshot, **kw)
    return (
        f"EXISTS (SELECT 1 FROM json_each({column}, '$.location.periods') AS period"
        " WHERE json_extract(period.value, '$.disagreement') IS NOT NULL)"
    )


async def disagreements(session: AsyncSession, limit: int) -> tuple[int, list[Activity]]:
    """How many stored activities disagree, and the `limit` most recently updated."""
    a = activities.c
    flagged = HasDisagreement(a.snapshot)
    count = (
        await session.execute(select(func.count()).select_from(activities).where(flagged))
    ).scalar_one()
    rows = await session.execute(
        select(a.snapshot).where(flagged).order_by(a.updated_at.desc(), a.activity_id).limit(limit)
    )
    return int(count), [from_snapshot(row.snapshot) for row in rows]
