"""Reach per academy (and year), read from the evidence: `GET /reach` and the gateway."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters.orm import reach_evidence


class ReachView(BaseModel):
    academy_id: str
    year: int
    nis_code: str
    activity_ids: list[str]
    postal_codes: list[str] = []


async def reach_of(
    session: AsyncSession, academy_ids: Sequence[str], year: int | None = None
) -> list[ReachView]:
    """Reached municipalities of the academies, with the activities that prove them.

    Read from the evidence: a reach exists exactly while at least one activity proves it.
    """
    if not academy_ids:
        return []
    e = reach_evidence.c
    query = select(e.academy_id, e.year, e.nis_code, e.activity_id, e.postal_code).where(
        e.academy_id.in_(sorted(set(academy_ids)))
    )
    if year is not None:
        query = query.where(e.year == year)
    query = query.order_by(e.academy_id, e.year, e.nis_code, e.activity_id)
    views: list[ReachView] = []
    for row in await session.execute(query):
        last = views[-1] if views else None
        if last and (last.academy_id, last.year, last.nis_code) == (
            row.academy_id,
            row.year,
            row.nis_code,
        ):
            if row.activity_id not in last.activity_ids:
                last.activity_ids.append(row.activity_id)
            if row.postal_code and row.postal_code not in last.postal_codes:
                last.postal_codes.append(row.postal_code)
        else:
            views.append(
                ReachView(
                    academy_id=row.academy_id,
                    year=row.year,
                    nis_code=row.nis_code,
                    activity_ids=[row.activity_id],
                    postal_codes=[row.postal_code] if row.postal_code else [],
                )
            )
    return views
