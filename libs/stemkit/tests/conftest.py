"""Fixtures of the stemkit tests.

Unit tests: `sqlite_sessions` (a fresh SQLite file with the stemkit tables), and `db`:
the same on SQLite and, marked `postgres`, on a new PostgreSQL database.
Integration tests (real services, started by the test tooling; the root conftest fails
with a clear message when their env vars are missing):
- `pg_sessions`: a brand-new PostgreSQL database (root fixture `pg_database_url`) with
  the stemkit tables and the test effect table;
- `kafka_bootstrap_servers` (root fixture), `make_topics` (unique topics, deleted after);
- `broker`: stops/starts the running broker from `STEM_KAFKA_DIR` on the same port.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import BrokerControl, effects_metadata, unique_topic
from stemkit.storage.db import make_engine, make_session_factory, metadata

Sessions = async_sessionmaker[AsyncSession]
MakeTopics = Callable[..., Awaitable[list[str]]]


async def _sessions_for(url: str) -> AsyncIterator[Sessions]:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.run_sync(effects_metadata.create_all)
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    async for sessions in _sessions_for(f"sqlite+aiosqlite:///{tmp_path / 'stemkit.storage.db'}"):
        yield sessions


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: a SQLite file, or (marked `postgres`) a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'stemkit.storage.db'}"
    return str(request.getfixturevalue("pg_database_url"))


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Sessions]:
    """Sessions on `db_url`, with the stemkit tables and the test effect table."""
    async for sessions in _sessions_for(db_url):
        yield sessions


@pytest.fixture
async def pg_sessions(pg_database_url: str) -> AsyncIterator[Sessions]:
    async for sessions in _sessions_for(pg_database_url):
        yield sessions


@pytest.fixture
async def make_topics(kafka_bootstrap_servers: str) -> AsyncIterator[MakeTopics]:
    """`await make_topics(n, partitions=3)`: n new uniquely named topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    created: list[str] = []

    async def make(count: int = 1, partitions: int = 3) -> list[str]:
        names = [unique_topic() for _ in range(count)]
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
        created.extend(names)
        return names

    try:
        yield make
    finally:
        try:
            if created:
                await admin.delete_topics(created)
        finally:
            await admin.close()


@pytest.fixture
def broker(kafka_bootstrap_servers: str) -> BrokerControl:

    kafka_dir = os.environ.get("STEM_KAFKA_DIR")
    if not kafka_dir:
        pytest.fail(
            "STEM_KAFKA_DIR is not set: the broker-outage test restarts the test broker "
            "and needs its folder (run the tests with `make test`)",
            pytrace=False,
        )
    port = int(kafka_bootstrap_servers.split(",")[0].rsplit(":", 1)[1])
    return BrokerControl(kafka_dir=kafka_dir, port=port)
