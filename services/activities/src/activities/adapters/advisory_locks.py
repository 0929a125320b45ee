"""PostgreSQL advisory transaction locks, taken without waiting: how delivery workers keep
out of each other's way on the same item or place (`service_layer/processing.py`)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def try_locks(session: AsyncSession, keys: set[int], *, shared: bool) -> set[int]:
    """Take these advisory transaction locks without waiting, in key order; the keys
    another transaction holds (not taken)."""
    if not keys:
        return set()
    take = "pg_try_advisory_xact_lock_shared" if shared else "pg_try_advisory_xact_lock"
    rows = await session.execute(
        text(f"SELECT k, {take}(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"),
        {"keys": sorted(keys)},
    )
    return {int(k) for k, got in rows if not got}
