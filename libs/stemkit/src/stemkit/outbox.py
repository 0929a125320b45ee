"""Adding events to the transactional outbox, inside the caller's own transaction.

The state change and its event commit together or not at all; the relay
(`stemkit.relay`) publishes committed rows later, so a broker outage delays events and
loses none.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.db import outbox
from stemkit.events.catalog import EventCatalog
from stemkit.events.envelope import CloudEvent


async def add_event(session: AsyncSession, catalog: EventCatalog, event: CloudEvent) -> None:
    """Stage `event` in the outbox; it is sent once the caller's transaction commits."""
    topic = catalog.get(event.type).topic
    await session.execute(
        insert(outbox).values(
            event_id=event.id,
            topic=topic,
            key=event.subject,
            event_type=event.type,
            envelope=event.to_json(),
            created_at=datetime.now(UTC),
        )
    )
