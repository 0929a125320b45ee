"""Alembic environment: the registry's tables plus the platform's outbox and inbox."""

from registry.adapters.orm import metadata
from stemkit.storage.migrations import run_migrations

run_migrations(metadata)
