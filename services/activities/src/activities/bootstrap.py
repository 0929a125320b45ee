"""The activities database: its URL, engine and migrations (stemkit.storage.service_database)."""

from __future__ import annotations

from pathlib import Path

from activities.config import SERVICE
from stemkit.storage.service_database import ServiceDatabase

MIGRATIONS = str(Path(__file__).parent / "adapters" / "migrations")
DATABASE = ServiceDatabase(SERVICE, MIGRATIONS)

# The names the entrypoints, tests and benches call.
database_url = DATABASE.url
open_database = DATABASE.open
migrate = DATABASE.migrate
