"""The years to calculate again (`dirty_years`): marked by every change to the reach or
its inputs, read and cleared by the debounced runner and by a calculation run.

What this transaction marked is remembered for the rest of it (`stemkit.storage.transaction_memo`),
so a chunk of events marks each year once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.storage.transaction_memo import memo
from subsidy.adapters.orm import dirty_years
from subsidy.adapters.registry_copy import upsert

_DIRTY = "subsidy.dirty_years"  # transaction memo name
MARK_AGAIN_AFTER = 0.25  # seconds; see mark_dirty


async def mark_dirty(session: AsyncSession, years: Iterable[int]) -> None:
    """Ask the debounced runner to recalculate these years; `since` is the latest change.

    A year this transaction marked less than `MARK_AGAIN_AFTER` ago is not written again:
    the consumer applies a chunk of events in one transaction (at most about
    `stemkit.eventing.consumer.CHUNK_SECONDS` long), and the runner sees a mark only when it
    commits.
    So `since` may be up to that much older than the transaction's last change, against a
    quiet time of seconds. (Only a calculation run unmarks a year, in a transaction of its
    own.)
    """
    marked: dict[int, float] = memo(session, _DIRTY)
    clock = time.monotonic()
    due = sorted(y for y in set(years) if clock - marked.get(y, -math.inf) >= MARK_AGAIN_AFTER)
    if not due:
        return
    now = datetime.now(UTC)
    await upsert(session, dirty_years, [{"year": y, "since": now} for y in due], ["year"])
    marked.update(dict.fromkeys(due, clock))


async def marked(session: AsyncSession) -> list[tuple[int, datetime]]:
    """Each dirty year with the time of its latest change (UTC)."""
    rows = await session.execute(select(dirty_years.c.year, dirty_years.c.since))
    return [(year, since if since.tzinfo else since.replace(tzinfo=UTC)) for year, since in rows]


async def clear(session: AsyncSession, year: int) -> None:
    await session.execute(delete(dirty_years).where(dirty_years.c.year == year))
