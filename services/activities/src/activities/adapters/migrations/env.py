"""Alembic environment: the service's tables plus stemkit's outbox and inbox."""

from activities.adapters.orm import metadata
from stemkit.migrations import run_migrations

run_migrations(metadata)
