"""The migrations build exactly the tables the code declares, on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from registry.adapters.orm import metadata
from registry.bootstrap import MIGRATIONS
from stemkit.storage.db import NAMING, make_engine
from stemkit.storage.db import metadata as platform_metadata
from stemkit.storage.migrations import upgrade_to_head

pytestmark = pytest.mark.postgres


def _declared() -> MetaData:
    """The registry's tables and the platform's outbox and inbox on one MetaData."""
    combined = MetaData(naming_convention=NAMING)
    for source in (metadata, platform_metadata):
        for table in source.sorted_tables:
            table.to_metadata(combined)
    return combined


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    found: list[object] = compare_metadata(context, _declared())
    return found


async def _schema_differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await engine.dispose()


async def test_postgres_migrates_to_the_declared_schema_and_again_is_a_no_op(
    pg_database_url: str,
) -> None:
    await asyncio.to_thread(upgrade_to_head, pg_database_url, MIGRATIONS)
    await asyncio.to_thread(upgrade_to_head, pg_database_url, MIGRATIONS)
    assert await _schema_differences(pg_database_url) == []


async def test_sqlite_migrates_to_the_declared_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/registry.db"
    await asyncio.to_thread(upgrade_to_head, url, MIGRATIONS)
    assert await _schema_differences(url) == []
