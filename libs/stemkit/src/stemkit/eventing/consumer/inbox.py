"""The inbox: which events this consumer has handled (so a redelivery is a no-op)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.eventing.envelope import CloudEvent
from stemkit.storage.db import inbox


async def seen_ids(session: AsyncSession, consumer: str, event_ids: Iterable[str]) -> set[str]:
    """Those of `event_ids` this consumer has handled: one SELECT for a whole chunk."""
    return set(
        await session.scalars(
            select(inbox.c.event_id).where(
                inbox.c.consumer == consumer, inbox.c.event_id.in_(sorted(set(event_ids)))
            )
        )
    )


async def seen(session: AsyncSession, consumer: str, event_id: str) -> bool:
    found = await session.scalar(
        select(inbox.c.event_id).where(inbox.c.consumer == consumer, inbox.c.event_id == event_id)
    )
    return found is not None


def row(consumer: str, event: CloudEvent) -> dict[str, Any]:
    return {
        "consumer": consumer,
        "event_id": event.id,
        "event_type": event.type,
        "handled_at": datetime.now(UTC),
    }


async def remember(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert the inbox rows of the events handled, in one statement."""
    if rows:
        await session.execute(insert(inbox), rows)
