"""Alembic, the same way in every service.

Each service keeps its revisions in `<service>/adapters/migrations/versions/`; its `env.py`
is two lines that call `run_migrations(...)` with its MetaData. `upgrade_to_head(url, ...)`
migrates a database from code (used by `make run`, the services' `migrate` command and
tests), so nobody needs an alembic.ini.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from stemkit.db import make_engine
from stemkit.db import metadata as platform_metadata


def alembic_config(url: str, script_location: str) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    # `%` must be escaped in ini values (a DSN may hold URL-encoded passwords).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str, script_location: str) -> None:
    """Migrate the database at `url` to the newest revision."""
    command.upgrade(alembic_config(url, script_location), "head")


def _run(connection: Connection, target: Sequence[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=list(target),
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, target: Sequence[MetaData]) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run, target)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations(service_metadata: MetaData) -> None:
    """The body of a service's `env.py`: its own tables plus the outbox and inbox."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not set")
    target = [service_metadata, platform_metadata]
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run_async(url, target))
        return
    raise RuntimeError("call upgrade_to_head from a thread without a running event loop")
