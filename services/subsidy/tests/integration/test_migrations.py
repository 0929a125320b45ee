"""The Alembic migrations build exactly the tables the code declares, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from stemkit.storage.db import make_engine
from stemkit.storage.db import metadata as platform_metadata
from subsidy.adapters.orm import metadata


def _diff(connection: Connection) -> list[Any]:
    # The service's tables and stemkit's outbox/inbox, which the migrations create too.
    declared = MetaData()
    for table in [*metadata.tables.values(), *platform_metadata.tables.values()]:
        table.to_metadata(declared)
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, declared))


async def test_migrated_schema_matches_the_code(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()
