"""The activities text search uses an index on PostgreSQL (issue 17): `search_text LIKE
'%…%'` is answered from the pg_trgm GIN index of migration 0005, not by reading the whole
table (which, unbounded, kept a connection busy long after the gateway gave up).

The real listing query (`activities.adapters.listing`), on a migrated database holding
30,000 activities, through EXPLAIN."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text

import activities.bootstrap
from activities.adapters.listing import Filters, _conditions
from activities.adapters.orm import activities as activities_table
from conftest import fresh_database
from stemkit.storage.db import make_engine
from stemkit.storage.migrations import upgrade_to_head

pytestmark = [pytest.mark.postgres]

ROWS = 30_000
WORDS = ("robotkamp", "codeclub", "natuurlab", "programmeren", "lego", "chemie", "drones")
PLACES = ("leuven", "gent", "brugge", "hasselt", "antwerpen", "mechelen", "aalst")


def _row(n: int) -> dict[str, object]:
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=n)
    name = f"{WORDS[n % len(WORDS)]} {n} {PLACES[n % len(PLACES)]}"
    if n % 10_000 == 7:  # three rare activities
        name = f"sterrenkijken {n}"
    return {
        "activity_id": f"{n:08d}-0000-4000-8000-000000000000",
        "snapshot": json.dumps({"n": n}),
        "modified": start,
        "updated_at": start,
        "sort_start": start,
        "search_text": name,
        "listed": True,
        "academy_id": f"academy-{n % 50}",  # the calendar lists academies' activities only
    }


async def test_the_text_search_reads_the_trigram_index() -> None:
    async with fresh_database() as url:
        await asyncio.to_thread(upgrade_to_head, url, activities.bootstrap.MIGRATIONS)
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                for first in range(0, ROWS, 5_000):
                    batch = [_row(n) for n in range(first, first + 5_000)]
                    await connection.execute(insert(activities_table), batch)
                await connection.execute(text("ANALYZE activities"))
            a = activities_table.c
            query = (
                select(a.snapshot, a.sort_start)
                .where(*_conditions(Filters(text="Sterrenkijken")))
                .order_by(a.sort_start, a.activity_id)
                .limit(51)
            )
            # As the service sends it: bound parameters, the asyncpg dialect.
            compiled = query.compile(dialect=engine.dialect)
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
            async with engine.connect() as connection:
                indexes = set(
                    (
                        await connection.scalars(
                            text("SELECT indexname FROM pg_indexes WHERE tablename = 'activities'")
                        )
                    ).all()
                )
                explained = await connection.exec_driver_sql(f"EXPLAIN {compiled}", params)
                plan = "\n".join(row[0] for row in explained)
                found = (await connection.execute(query)).all()
        finally:
            await engine.dispose()
    assert "ix_activities_search_text_trgm" in indexes
    assert "ix_activities_search_text_trgm" in plan, plan
    assert "Seq Scan on activities" not in plan, plan
    assert len(found) == 3
