"""Alembic environment: the service's tables plus stemkit's outbox and inbox."""

from activities.adapters.orm import metadata
from stemkit.storage.migrations import run_migrations

# Migration 0005 makes the text search's pg_trgm index on PostgreSQL only.
run_migrations(metadata, database_only_indexes={"ix_activities_search_text_trgm"})
