"""The spread of a year's reach (evaluation): themes and age groups of the activities that
prove what the coverage figures count."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.domain.age_groups import age_group
from subsidy.adapters.activity_copy import themes_and_ages
from subsidy.service_layer.coverage_report import counted_proofs


class SpreadView(BaseModel):
    year: int
    activities: int
    themes: dict[str, int]
    age_groups: dict[str, int]  # under_14, 14_and_over, both, unknown


async def spread_of(session: AsyncSession, year: int) -> SpreadView:
    ids = sorted({p.activity_id for p in await counted_proofs(session, year)})
    themes: Counter[str] = Counter()
    ages: Counter[str] = Counter()
    for theme_ids, age_min, age_max in await themes_and_ages(session, ids):
        themes.update(theme_ids or ["(none)"])
        ages[age_group(age_min, age_max)] += 1
    return SpreadView(
        year=year, activities=len(ids), themes=dict(themes.most_common()), age_groups=dict(ages)
    )
