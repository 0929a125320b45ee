"""Parking: a row that can never be sent as it is leaves the line, and so do the rows of its
topic and key behind it ("held"), so that a key's events never overtake each other; ops put
a parked row back in line or discard it (`stemkit.ops.outbox_parked`, ADR 0008)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.eventing.relay.messages import OutboxMessage, PublishError
from stemkit.eventing.relay.metrics import OUTBOX_FAILURES, log
from stemkit.logging import event_id_var
from stemkit.storage.db import outbox

# How the reason of a row parked behind another begins ("held behind seq N: ...").
HELD_BEHIND = "held behind seq"


async def hold_behind_parked(
    session: AsyncSession, rows: list[OutboxMessage]
) -> tuple[list[OutboxMessage], int]:
    """Park the rows whose topic and key has an earlier parked row; the others, and how
    many were parked."""
    c = outbox.c
    blocked = {
        (topic, key): first
        for topic, key, first in await session.execute(
            select(c.topic, c.key, func.min(c.seq))
            .where(c.parked_at.is_not(None), c.sent_at.is_(None))
            .group_by(c.topic, c.key)
        )
    }
    if not blocked:
        return rows, 0
    held: dict[int, list[int]] = {}  # the parked row -> the rows held behind it now
    free: list[OutboxMessage] = []
    for row in rows:
        first = blocked.get((row.topic, row.key))
        if first is not None and first < row.seq:
            held.setdefault(first, []).append(row.seq)
        else:
            free.append(row)
    now = datetime.now(UTC)
    for first, seqs in held.items():
        await session.execute(
            update(outbox)
            .where(c.seq.in_(seqs))
            .values(parked_at=now, parked_reason=f"{HELD_BEHIND} {first}: same topic and key")
        )
        log.warning(
            "outbox rows held behind parked seq %s (same topic and key): %s",
            first,
            seqs,
            extra={"parked_seq": first, "held": len(seqs)},
        )
    return free, sum(len(seqs) for seqs in held.values())


async def park(session: AsyncSession, service: str, row: OutboxMessage, exc: PublishError) -> None:
    """Take `row` out of line for good (until ops retry it), with the reason."""
    reason = f"{exc.error_type}: {exc.__cause__ or exc}"[:2000]
    await session.execute(
        update(outbox)
        .where(outbox.c.seq == row.seq)
        .values(
            parked_at=datetime.now(UTC),
            parked_reason=reason,
            attempts=outbox.c.attempts + 1,
            last_error=reason,
        )
    )
    OUTBOX_FAILURES.labels(service, exc.error_type).inc()
    token = event_id_var.set(row.event_id)
    try:
        log.error(
            "outbox row seq %s parked, it can never be sent as it is: %s",
            row.seq,
            reason,
            extra={"seq": row.seq, "topic": row.topic, "key": row.key, "error": exc.error_type},
        )
    finally:
        event_id_var.reset(token)
