"""The migrations build exactly the schema the code declares (no autogenerate drift)."""

from __future__ import annotations

from alembic import command

from activities.bootstrap import MIGRATIONS, database_url
from activities.config import Settings
from stemkit.storage.migrations import alembic_config


def test_migrated_database_matches_the_tables_in_code(settings: Settings) -> None:
    # Raises when autogenerate would find anything to add, drop or alter.
    command.check(alembic_config(database_url(settings), MIGRATIONS))
