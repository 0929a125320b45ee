"""`GET /calendar/summary?year=`: how much of the STEM-kalender a year holds, per month,
theme and age group, in one call (for the gateway's yearly report: a month without any
activity is a gap in what was ingested, and themes and ages are the evaluation's spread).

The reads are `adapters/calendar_summary.py`.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from activities.adapters.calendar_summary import listed_sessions, themes_of
from activities.domain.model import BRUSSELS
from stemkit.domain.age_groups import age_group
from stemkit.storage.db import Database


class CalendarSummary(BaseModel):
    year: int
    activities: int = Field(description="Public activities with an occurrence starting that year")
    with_academy: int = Field(description="Of those, linked to an academy")
    months: dict[str, int] = Field(
        description="Month (01..12, Brussels time) -> activities starting then; every month"
    )
    themes: dict[str, int] = Field(description="UiTdatabank theme id -> activities; '' none")
    age_groups: dict[str, int] = Field(
        description="under_14, 14_and_over, both (the range spans 14), unknown (no range)"
    )


def summary_router(database: Database) -> APIRouter:
    router = APIRouter(prefix="/calendar", tags=["activities"])

    @router.get("/summary", summary="The STEM-kalender of a year in figures")
    async def calendar_summary(
        year: Annotated[int, Query(ge=2000, le=2100)],
    ) -> CalendarSummary:
        # The year's bounds in Brussels time, compared in UTC (as stored; SQLite keeps no zone).
        start = datetime(year, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)
        end = datetime(year + 1, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)
        async with database.session_factory() as session:
            rows = await listed_sessions(session, start, end)
            themes = await themes_of(session, sorted({row.activity_id for row in rows}))
        months: dict[str, set[str]] = {f"{m:02d}": set() for m in range(1, 13)}
        seen: dict[str, tuple[str | None, int | None, int | None]] = {}
        for row in rows:
            when = row.start if row.start.tzinfo else row.start.replace(tzinfo=UTC)
            months[f"{when.astimezone(BRUSSELS).month:02d}"].add(row.activity_id)
            seen[row.activity_id] = (row.academy_id, row.age_min, row.age_max)
        theme_counts: Counter[str] = Counter()
        for activity_id in seen:
            theme_counts.update(sorted(set(themes.get(activity_id, []))) or [""])
        return CalendarSummary(
            year=year,
            activities=len(seen),
            with_academy=sum(1 for academy, _, _ in seen.values() if academy),
            months={month: len(found) for month, found in months.items()},
            themes=dict(sorted(theme_counts.items())),
            age_groups=dict(Counter(age_group(lo, hi) for _, lo, hi in seen.values())),
        )

    return router
