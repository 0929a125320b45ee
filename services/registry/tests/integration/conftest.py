"""Fixtures of the registry's integration tests: a migrated PostgreSQL database, the app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import jsonschema
import pytest
from pydantic import SecretStr
from sqlalchemy import FromClause, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.bootstrap import MIGRATIONS, open_database
from registry.config import Settings
from registry.entrypoints.api import create_app, database_of
from registry.entrypoints.cli import load_reference_data
from stemkit.contracts import CATALOG
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN
from stemkit.storage.migrations import upgrade_to_head

OPS_TOKEN = "registry-test-ops-token-at-least-32-chars"
# What the gateway presents (read and ops scopes, no write): the test client's default.
READER = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}
CONTRACTS = Path(__file__).resolve().parents[4] / "contracts" / "events"


@pytest.fixture
async def settings(pg_database_url: str) -> Settings:
    """Settings of a registry on a fresh, migrated PostgreSQL database."""
    await asyncio.to_thread(upgrade_to_head, pg_database_url, MIGRATIONS)
    return Settings(
        database_url=pg_database_url,
        ops_token=SecretStr(OPS_TOKEN),
        environment="test",
        kafka_bootstrap_servers="127.0.0.1:1",
    )


@pytest.fixture
async def api(settings: Settings, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The API on a database with the municipalities loaded."""
    await load_reference_data(settings)
    return client


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    database = open_database(settings)
    yield database.session_factory
    await database.dispose()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://registry", headers=READER
    ) as http:
        yield http
    await database_of(app).dispose()


@dataclass(frozen=True)
class Counter:
    sessions: async_sessionmaker[AsyncSession]

    async def __call__(self, table: FromClause) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
def count(sessions: async_sessionmaker[AsyncSession]) -> Counter:
    """`await count(table)`: the number of rows in a table, read in a fresh transaction."""
    return Counter(sessions)


def check_contract(event: CloudEvent) -> None:
    """The event parses with its catalogued payload and matches its published JSON Schema."""
    CATALOG.parse(event)
    schema = json.loads((CONTRACTS / f"{event.type}.schema.json").read_text())
    jsonschema.validate(event.data, schema)


@pytest.fixture
def contract() -> Callable[[CloudEvent], None]:
    """`contract(event)`: fails unless the event matches its catalogue entry and schema."""
    return check_contract
