"""Leases: one holder at a time per name, for a while (ADR 0018).

Two replicas of the poller share the lease `poller`: the one that holds it polls, the
other stands by and takes it over once it has expired (its holder died or stopped
renewing). A row, not a PostgreSQL advisory lock: it also expires when its holder is
alive but frozen (SIGSTOP, a long GC pause), and works on SQLite alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters.activity_store import dialect_insert
from activities.adapters.orm import leases


async def take(session: AsyncSession, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease `name` for `seconds`; True when `holder` holds it now
    (it was free, expired, or already its own). One statement: two takers cannot both
    win (the row's lock, or SQLite's one writer, orders them)."""
    now = datetime.now(UTC)
    values = {"holder": holder, "expires_at": now + timedelta(seconds=seconds)}
    statement = (
        dialect_insert(session, leases)
        .values(name=name, **values)
        .on_conflict_do_update(
            index_elements=["name"],
            set_=values,
            where=or_(leases.c.holder == holder, leases.c.expires_at <= now),
        )
        .returning(leases.c.holder)
    )
    return bool((await session.scalar(statement)) == holder)


async def release(session: AsyncSession, name: str, holder: str) -> None:
    """Give the lease up (when stopping), so a standby takes it at its next look."""
    await session.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))


async def holder_of(session: AsyncSession, name: str) -> str | None:
    """Who holds the lease now (None: free or expired)."""
    row = (
        await session.execute(
            select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
        )
    ).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return str(row.holder) if expires > datetime.now(UTC) else None
