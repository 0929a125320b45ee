"""Explicit wiring from Settings: the database URL, the database, its migrations."""

from __future__ import annotations

from pathlib import Path

from activities.config import SERVICE, Settings
from stemkit import db
from stemkit.migrations import upgrade_to_head

MIGRATIONS = str(Path(__file__).parent / "adapters" / "migrations")


def database_url(settings: Settings) -> str:
    """`ACTIVITIES_DATABASE_URL`, else the embedded SQLite file under `STEM_DATA_DIR`."""
    return settings.database_url_for(SERVICE)


def open_database(settings: Settings) -> db.Database:
    """The engine and session factory; nothing connects before the first use."""
    return db.open_database(
        database_url(settings), statement_timeout=settings.database_statement_timeout
    )


def migrate(settings: Settings) -> None:
    """Bring the database to the newest revision (blocking; not inside an event loop)."""
    upgrade_to_head(db.prepare_url(database_url(settings)), MIGRATIONS)
