"""Alembic, the same way in every service.

Each service keeps its revisions in `<service>/adapters/migrations/versions/`; its `env.py`
is two lines that call `run_migrations(...)` with its MetaData. `upgrade_to_head(url, ...)`
migrates a database from code (used by `make run`, the services' `migrate` command and
tests), so nobody needs an alembic.ini.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from functools import partial
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from stemkit.storage.db import make_engine
from stemkit.storage.db import metadata as platform_metadata


def alembic_config(url: str, script_location: str) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    # `%` must be escaped in ini values (a DSN may hold URL-encoded passwords).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str, script_location: str) -> None:
    """Migrate the database at `url` to the newest revision."""
    command.upgrade(alembic_config(url, script_location), "head")


def _run(
    connection: Connection, target: Sequence[MetaData], database_only: Collection[str]
) -> None:
    def include(_item: Any, name: str | None, type_: str, reflected: bool, _other: Any) -> bool:
        # An index a migration makes on one database only (a pg_trgm GIN index) is not in
        # the MetaData: autogenerate must not take it for one to drop.
        return not (type_ == "index" and reflected and name in database_only)

    context.configure(
        connection=connection,
        target_metadata=list(target),
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
        include_object=include,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, target: Sequence[MetaData], database_only: Collection[str]) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(partial(_run, target=target, database_only=database_only))
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations(
    service_metadata: MetaData, *, database_only_indexes: Collection[str] = ()
) -> None:
    """The body of a service's `env.py`: its own tables plus the outbox and inbox.
    `database_only_indexes`: indexes its migrations make outside the MetaData (on one
    database only), which autogenerate leaves alone."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not set")
    target = [service_metadata, platform_metadata]
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run_async(url, target, database_only_indexes))
        return
    raise RuntimeError("call upgrade_to_head from a thread without a running event loop")
