"""Subsidies per academy, role and call, read from the year's latest stored run."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters import runs_store


class SubsidyView(BaseModel):
    run_id: str
    year: int
    academy_id: str
    role: str
    call_id: str
    paid_eur: Decimal
    illustrative: bool


async def subsidies(
    session: AsyncSession, year: int, role: str | None, academy_id: str | None
) -> list[SubsidyView] | None:
    """Per academy, role and call, from the latest stored run of the year (None: no run)."""
    run = await runs_store.latest_run(session, year)
    if run is None:
        return None
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for line in run.result.lines():
        if (role is None or line.role == role) and (
            academy_id is None or line.academy_id == academy_id
        ):
            totals[(line.academy_id, line.role, line.call_id)] += line.paid
    return [
        SubsidyView(
            run_id=run.run_id,
            year=year,
            academy_id=k[0],
            role=k[1],
            call_id=k[2],
            paid_eur=v,
            illustrative=run.result.illustrative,
        )
        for k, v in sorted(totals.items())
    ]
