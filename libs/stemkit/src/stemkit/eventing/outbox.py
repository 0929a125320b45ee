"""Adding events to the transactional outbox, inside the caller's own transaction.

The state change and its event commit together or not at all; the relay
(`stemkit.eventing.relay`) publishes committed rows later, so a broker outage delays events and
loses none. On PostgreSQL the transaction also NOTIFYs `OUTBOX_CHANNEL`: delivered at
commit (never for a rolled-back one, once per transaction however many events), it wakes
the relay at once instead of at its next poll.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from stemkit.eventing.catalog import EventCatalog
from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.runner import sleep_or_stop
from stemkit.storage.db import outbox

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "stem_outbox"
_NOTIFIED = "stemkit.eventing.outbox.notified"  # session.info key: the transaction that notified


# Built once, values bound at execution: compiled and cache-keyed once per process, not per
# event (docs/performance-notes.md, stemkit).
_STAGE = insert(outbox).values(
    {
        name: bindparam(name, type_=outbox.c[name].type)
        for name in ("event_id", "topic", "key", "event_type", "envelope", "created_at")
    }
)
# The first event of a transaction notifies, in the same statement as its INSERT (a
# data-modifying CTE): no extra round trip in the writer's transaction.
_STAGE_AND_NOTIFY = select(func.pg_notify(OUTBOX_CHANNEL, "")).select_from(
    _STAGE.returning(outbox.c.seq).cte("staged")
)


async def add_event(session: AsyncSession, catalog: EventCatalog, event: CloudEvent) -> None:
    """Stage `event` in the outbox; it is sent once the caller's transaction commits."""
    values = {
        "event_id": event.id,
        "topic": catalog.get(event.type).topic,
        "key": event.subject,
        "event_type": event.type,
        "envelope": event.to_json(),
        "created_at": datetime.now(UTC),
    }
    transaction = session.sync_session.get_transaction()  # None: not begun yet
    if session.get_bind().dialect.name != "postgresql" or (
        transaction is not None and session.info.get(_NOTIFIED) is transaction
    ):
        await session.execute(_STAGE, values)
        return
    await session.execute(_STAGE_AND_NOTIFY, values)
    session.info[_NOTIFIED] = session.sync_session.get_transaction()


class CommitNotifications:
    """A connection LISTENing on a channel (PostgreSQL), setting `wake` on every
    notification; reopened when it is lost (a database restart). The relay listens on
    `OUTBOX_CHANNEL`; the activities delivery worker on its intake's channel."""

    def __init__(self, engine: AsyncEngine, channel: str = OUTBOX_CHANNEL) -> None:
        self.engine = engine
        self.channel = channel
        self.wake = asyncio.Event()
        self._connection: AsyncConnection | None = None
        self._driver: Any = None  # the asyncpg connection under it
        self._failing = False  # log a failure to listen once, not at every poll

    @classmethod
    def of(
        cls, sessions: async_sessionmaker[AsyncSession], channel: str = OUTBOX_CHANNEL
    ) -> CommitNotifications | None:
        engine = sessions.kw.get("bind")
        if not isinstance(engine, AsyncEngine) or engine.dialect.driver != "asyncpg":
            return None
        return cls(engine, channel)

    async def listening(self) -> bool | None:
        """True: listening; False: just started (notifications may have been missed
        before); None: cannot listen now (poll instead)."""
        if self._driver is not None and not self._driver.is_closed():
            return True
        await self.close()
        try:
            connection = await self.engine.connect()
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.add_listener(self.channel, self._notified)
        except Exception as exc:
            if not self._failing:
                log.warning(
                    "cannot listen on %s, polling: %s: %s", self.channel, type(exc).__name__, exc
                )
            self._failing = True
            return None
        self._connection, self._driver, self._failing = connection, driver, False
        log.info("listening for commits on %s", self.channel)
        return False

    async def wait(self, stop: asyncio.Event, *, safety_poll: float, polling: float) -> bool:
        """Wait for a notification (or `safety_poll` seconds) or `stop`; while it
        cannot listen, `polling` seconds. True: stopping. Clear `wake` before the work
        whose commits should end this wait."""
        listening = await self.listening()
        if listening is None:
            return await sleep_or_stop(stop, polling)
        if not listening:  # just (re)started listening: what was committed meanwhile
            return stop.is_set()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
        try:
            await asyncio.wait(waits, timeout=safety_poll, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return stop.is_set()

    def _notified(self, *_: object) -> None:
        self.wake.set()

    async def close(self) -> None:
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            try:
                await connection.invalidate()  # never back to the pool with a LISTEN on it
                await connection.close()
            except Exception as exc:
                log.debug("closing the listening connection: %s", exc)
