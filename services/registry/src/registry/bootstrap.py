"""Explicit wiring: the engine and session factory the entrypoints share, built from Settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from registry.config import Settings
from stemkit.db import make_engine, make_session_factory


@dataclass(frozen=True)
class Wiring:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]


def ensure_sqlite_folder(url: str) -> None:
    """SQLite creates the file but not its folder; the embedded default lives in var/data."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def bootstrap(settings: Settings) -> Wiring:
    url = settings.db_url()
    ensure_sqlite_folder(url)
    engine = make_engine(url)
    return Wiring(settings=settings, engine=engine, session_factory=make_session_factory(engine))
