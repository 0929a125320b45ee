"""The database of a service that has its own (registry, activities, subsidy), wired from
its settings the same way in each: the URL, the engine, the migrations.

Each service declares its one in `<service>/bootstrap.py`:

    DATABASE = ServiceDatabase(SERVICE, MIGRATIONS)   # MIGRATIONS: adapters/migrations
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from stemkit.storage import db
from stemkit.storage.migrations import upgrade_to_head


class DatabaseSettings(Protocol):
    """What the wiring reads of a service's settings (a `DatabaseServiceSettings`); storage
    depends on no settings class."""

    @property
    def database_statement_timeout(self) -> float: ...

    def database_url_for(self, service: str) -> str: ...


@dataclass(frozen=True)
class ServiceDatabase:
    service: str
    migrations: str  # the folder of the service's Alembic env.py and versions/

    def url(self, settings: DatabaseSettings) -> str:
        """`<SERVICE>_DATABASE_URL`, else the embedded SQLite file under `STEM_DATA_DIR`."""
        return settings.database_url_for(self.service)

    def open(self, settings: DatabaseSettings) -> db.Database:
        """The engine and session factory; nothing connects before the first use."""
        return db.open_database(
            self.url(settings), statement_timeout=settings.database_statement_timeout
        )

    def migrate(self, settings: DatabaseSettings) -> None:
        """Bring the database to the newest revision (blocking; not inside an event loop)."""
        upgrade_to_head(db.prepare_url(self.url(settings)), self.migrations)
