"""Fixtures every test folder shares: a fresh PostgreSQL database and the real Kafka broker.

`make test` (scripts/test.sh) starts both and exports:
- `STEM_TEST_POSTGRES_DSN`: a superuser DSN of the throwaway cluster (database `postgres`);
- `KAFKA_BOOTSTRAP_SERVERS` and `STEM_KAFKA_DIR` (the broker's folder, for tests that stop
  and restart it).
A test that needs them fails with a clear message when they are missing; nothing fakes them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from stemkit.storage.db import make_engine


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run the tests with `make test`, which starts real "
            "PostgreSQL and Kafka and exports it",
            pytrace=False,
        )
    return value


@pytest.fixture
def kafka_bootstrap_servers() -> str:
    return _required_env("KAFKA_BOOTSTRAP_SERVERS")


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A brand-new, empty PostgreSQL database on the test cluster, dropped afterwards."""
    admin_url = make_url(_required_env("STEM_TEST_POSTGRES_DSN"))
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture
async def pg_database_url() -> AsyncIterator[str]:
    """URL of a brand-new, empty PostgreSQL database, dropped after the test."""
    async with fresh_database() as url:
        yield url
