"""Reading and writing participant reports (SQLAlchemy Core). The whole year is quarter 0."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import participant_reports as reports
from registry.domain.participants import Report

WHOLE_YEAR = 0


def _report(row: Row[Any]) -> Report:
    return Report(
        report_id=row.report_id,
        academy_id=row.academy_id,
        year=row.year,
        quarter=row.quarter or None,
        participants=row.participants,
        under_14=row.under_14,
        from_14=row.from_14,
        reported_on=row.reported_on,
        supersedes=row.supersedes,
        superseded_by=row.superseded_by,
    )


async def current(
    session: AsyncSession, academy_id: str, year: int, quarter: int | None
) -> Report | None:
    row = (
        await session.execute(
            select(reports).where(
                reports.c.academy_id == academy_id,
                reports.c.year == year,
                reports.c.quarter == (quarter or WHOLE_YEAR),
                reports.c.superseded_by.is_(None),
            )
        )
    ).first()
    return _report(row) if row else None


async def add(session: AsyncSession, report: Report, recorded_at: datetime) -> None:
    values = {**vars(report), "quarter": report.quarter or WHOLE_YEAR}
    await session.execute(insert(reports).values(**values, recorded_at=recorded_at))


async def supersede(session: AsyncSession, old_id: str, new_id: str) -> None:
    await session.execute(
        update(reports).where(reports.c.report_id == old_id).values(superseded_by=new_id)
    )


async def of_academy(
    session: AsyncSession, academy_id: str, year: int | None, with_history: bool
) -> list[Report]:
    query = select(reports).where(reports.c.academy_id == academy_id)
    if year is not None:
        query = query.where(reports.c.year == year)
    if not with_history:
        query = query.where(reports.c.superseded_by.is_(None))
    query = query.order_by(reports.c.year, reports.c.quarter, reports.c.recorded_at)
    return [_report(row) for row in await session.execute(query)]


async def of_year(session: AsyncSession, year: int) -> list[Report]:
    """Every academy's reports in force for `year` (the whole year and its quarters)."""
    query = (
        select(reports)
        .where(reports.c.year == year, reports.c.superseded_by.is_(None))
        .order_by(reports.c.academy_id, reports.c.quarter)
    )
    return [_report(row) for row in await session.execute(query)]


async def academies_that_reported(session: AsyncSession, year: int) -> set[str]:
    rows = await session.scalars(
        select(reports.c.academy_id)
        .where(reports.c.year == year, reports.c.superseded_by.is_(None))
        .distinct()
    )
    return set(rows)
