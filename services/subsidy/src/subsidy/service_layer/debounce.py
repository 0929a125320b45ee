"""After changes, recalculate (debounced): a year whose inputs changed is recalculated once
they have been quiet for `quiet` seconds, so a burst of events gives one run, not hundreds.

Handlers mark years dirty (`dirty_years`, in their own transaction); this loop runs the
years that are due as `debounced` runs. Calls that need unknown parameters are skipped and
listed in the run (fail closed); a year without any known call is only unmarked.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subsidy.adapters import dirty_years
from subsidy.domain.calls import calls_of
from subsidy.service_layer.runs import Options, run_calculation

log = logging.getLogger(__name__)


async def run_due(
    sessions: async_sessionmaker[AsyncSession], *, quiet: float, demo: bool = False
) -> list[str]:
    """Run every year that is dirty and quiet; the ids of the new runs."""
    due_before = datetime.now(UTC) - timedelta(seconds=quiet)
    async with sessions() as session:
        due = sorted(
            year for year, since in await dirty_years.marked(session) if since <= due_before
        )
    runs = []
    for year in due:
        async with sessions.begin() as session:
            if not calls_of(year):
                await dirty_years.clear(session, year)
                continue
            run = await run_calculation(
                session, year, Options(strict=False, demo=demo), trigger="debounced"
            )
            runs.append(run.run_id)
            log.info("debounced calculation of %d stored as run %s", year, run.run_id)
    return runs
