"""Explicit wiring from Settings: the database engine and session factory, migrations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from activities.config import Settings
from stemkit.db import make_engine, make_session_factory
from stemkit.migrations import upgrade_to_head

SERVICE = "activities"
MIGRATIONS = str(Path(__file__).parent / "adapters" / "migrations")


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]


def database_url(settings: Settings) -> str:
    url = settings.effective_database_url
    database = make_url(url).database
    if url.startswith("sqlite") and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)  # the embedded default
    return url


def bootstrap(settings: Settings) -> Runtime:
    engine = make_engine(database_url(settings))
    return Runtime(settings=settings, engine=engine, session_factory=make_session_factory(engine))


def migrate(settings: Settings) -> None:
    """Bring the database to the newest schema (blocking; not inside an event loop)."""
    upgrade_to_head(database_url(settings), MIGRATIONS)
