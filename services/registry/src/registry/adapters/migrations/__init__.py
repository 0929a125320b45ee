"""Alembic revisions of the registry database; `upgrade(url)` migrates to the newest."""

from __future__ import annotations

from pathlib import Path

from stemkit.migrations import upgrade_to_head

SCRIPT_LOCATION = str(Path(__file__).parent)


def upgrade(url: str) -> None:
    """Migrate the database at `url` (call it from a thread without a running event loop)."""
    upgrade_to_head(url, SCRIPT_LOCATION)
