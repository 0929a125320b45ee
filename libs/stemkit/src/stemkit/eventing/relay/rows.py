"""The outbox rows of one sweep: who may sweep, which rows are next, which were sent or failed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.eventing.relay.messages import OutboxMessage
from stemkit.storage.db import outbox

# One advisory lock key per database: "the outbox relay of this database".
RELAY_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"stemkit.eventing.outbox.relay").digest()[:8], "big", signed=True
)


async def take_relay_lock(session: AsyncSession) -> bool:
    """On PostgreSQL: are we the one relay of this database (for this transaction)? The
    lock dies with the transaction, also when the process is killed. Elsewhere: yes."""
    if (await session.connection()).dialect.name != "postgresql":
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK_KEY))))


async def unsent(session: AsyncSession, limit: int) -> list[OutboxMessage]:
    """The oldest `limit` rows neither sent nor parked, in `seq` order."""
    c = outbox.c
    result = await session.execute(
        select(
            c.seq,
            c.event_id,
            c.topic,
            c.key,
            c.event_type,
            c.envelope,
            c.created_at,
            c.attempts,
        )
        .where(c.sent_at.is_(None), c.parked_at.is_(None))
        .order_by(c.seq)
        .limit(limit)
    )
    return [OutboxMessage(**row._mapping) for row in result]


async def mark_sent(session: AsyncSession, rows: Sequence[OutboxMessage]) -> None:
    await session.execute(
        update(outbox)
        .where(outbox.c.seq.in_([r.seq for r in rows]))
        .values(sent_at=datetime.now(UTC))
    )


async def mark_failed(session: AsyncSession, rows: Sequence[OutboxMessage], error: str) -> None:
    """One more attempt on each of `rows`, and why the last one failed."""
    await session.execute(
        update(outbox)
        .where(outbox.c.seq.in_([r.seq for r in rows]))
        .values(attempts=outbox.c.attempts + 1, last_error=error[:2000])
    )
