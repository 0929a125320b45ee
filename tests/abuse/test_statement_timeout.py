"""A statement PostgreSQL runs past the service's `<SERVICE>_DATABASE_STATEMENT_TIMEOUT` is
cancelled (issue 17): after the gateway gives up (5 s) the upstream query no longer keeps its
connection. Each service's own `open_database(settings)` on the real PostgreSQL."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import activities.bootstrap
import registry.bootstrap
import subsidy.bootstrap
from activities.config import Settings as ActivitiesSettings
from registry.config import Settings as RegistrySettings
from stemkit.storage.db import Database, open_database
from subsidy.config import Settings as SubsidySettings

pytestmark = [pytest.mark.postgres]

SERVICES: dict[str, tuple[type[Any], Callable[[Any], Database]]] = {
    "registry": (RegistrySettings, registry.bootstrap.open_database),
    "activities": (ActivitiesSettings, activities.bootstrap.open_database),
    "subsidy": (SubsidySettings, subsidy.bootstrap.open_database),
}


def _dsn() -> str:
    dsn = os.environ.get("STEM_TEST_POSTGRES_DSN")
    if not dsn:
        pytest.fail("STEM_TEST_POSTGRES_DSN is not set: run with `make test`", pytrace=False)
    return dsn


def test_the_default_is_below_the_gateway_upstream_timeout() -> None:
    from gateway.config import Settings as GatewaySettings

    upstream = GatewaySettings(environment="development").upstream_timeout
    for settings_class, _ in SERVICES.values():
        assert 0 < settings_class(environment="development").database_statement_timeout < upstream


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_a_statement_longer_than_the_setting_is_cancelled(service: str) -> None:
    settings_class, open_service_database = SERVICES[service]
    settings = settings_class(
        environment="development", database_url=_dsn(), database_statement_timeout=0.5
    )
    database = open_service_database(settings)
    try:
        async with database.engine.connect() as connection:
            started = time.monotonic()
            with pytest.raises(DBAPIError, match="statement timeout"):
                await connection.execute(text("SELECT pg_sleep(3)"))
            assert time.monotonic() - started < 2.5
        async with database.engine.connect() as connection:  # the pool's connection is fine
            shown = await connection.scalar(text("SHOW statement_timeout"))
            assert shown == "500ms"
            assert await connection.scalar(text("SELECT 1 FROM pg_sleep(0.1)")) == 1
    finally:
        await database.dispose()


async def test_sqlite_is_left_as_it_is(tmp_path: Any) -> None:
    database = open_database(f"sqlite+aiosqlite:///{tmp_path}/t.db", statement_timeout=0.5)
    try:
        async with database.engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await database.dispose()
