"""Explicit wiring from Settings: the engine and the session factory (nothing at import)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from stemkit.db import make_engine, make_session_factory
from stemkit.migrations import upgrade_to_head
from subsidy.config import Settings

MIGRATIONS = str(Path(__file__).parent / "adapters" / "migrations")


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def dispose(self) -> None:
        await self.engine.dispose()


def database(settings: Settings) -> Database:
    url = settings.db_url()
    if url.startswith("sqlite"):
        # The embedded default: make sure the data folder exists before SQLite opens a file.
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    return Database(engine=engine, sessions=make_session_factory(engine))


def migrate(settings: Settings) -> None:
    """Bring the service's database to the newest revision (blocking; no running loop)."""
    if settings.db_url().startswith("sqlite"):
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    upgrade_to_head(settings.db_url(), MIGRATIONS)
