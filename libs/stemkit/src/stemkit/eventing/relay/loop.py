"""OutboxRelay: the sweep (one transaction per batch) and the loop around it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing.outbox import CommitNotifications
from stemkit.eventing.relay import rows as outbox_rows
from stemkit.eventing.relay.crash_hooks import CrashHooks
from stemkit.eventing.relay.messages import OutboxMessage, Publisher, PublishError
from stemkit.eventing.relay.metrics import (
    OUTBOX_FAILURES,
    OUTBOX_PARKED,
    OUTBOX_PUBLISHED,
    log,
    observe_backlog,
)
from stemkit.eventing.relay.parking import hold_behind_parked, park
from stemkit.eventing.runner import Backoff, sleep_or_stop
from stemkit.logging import event_id_var


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        session_factory: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        batch_size: int = 500,
        idle_interval: float = 0.2,
        listen_idle_interval: float = 2.0,
        coalesce: float = 0.05,
        max_backoff: float = 30.0,
    ) -> None:
        self.service = service
        self.session_factory = session_factory
        self.publisher = publisher
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.listen_idle_interval = max(idle_interval, listen_idle_interval)
        self.coalesce = coalesce
        self.max_backoff = max_backoff
        self._standby = False
        self._parked_in_sweep = 0  # rows the last sweep parked: sweep again at once
        self._crash_hooks = CrashHooks()
        OUTBOX_PUBLISHED.labels(service)
        OUTBOX_PARKED.labels(service)

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep until `stop` is set; back off after failures, never give up."""
        backoff = Backoff(min(0.5, self.max_backoff), self.max_backoff)
        notifications = CommitNotifications.of(self.session_factory)
        log.info("outbox relay started", extra={"batch_size": self.batch_size})
        try:
            while not stop.is_set():
                if notifications is not None:
                    notifications.wake.clear()  # a commit from now on wakes the next wait
                try:
                    sent = await self.relay_once()
                except Exception as exc:
                    delay = backoff.next_delay()
                    log.warning(
                        "outbox sweep failed, retrying in %.2fs: %s: %s",
                        delay,
                        type(exc).__name__,
                        exc,
                    )
                    if await sleep_or_stop(stop, delay):
                        break
                    continue
                backoff.reset()
                if not self._more(sent, notifications) and await self._wait_idle(
                    stop, notifications
                ):
                    break
        finally:
            if notifications is not None:
                await notifications.close()
        log.info("outbox relay stopped")

    def _more(self, sent: int, notifications: CommitNotifications | None) -> bool:
        """Sweep again at once? Polling: after a sweep that sent something. Listening: only
        after a full batch; otherwise wait for the next commit (one during this sweep has
        already set `wake`), so sweeps never outnumber commits. Either way after a sweep
        that parked rows (the rows behind them)."""
        more = sent >= self.batch_size if notifications is not None else sent > 0
        return more or self._parked_in_sweep > 0

    async def _wait_idle(
        self, stop: asyncio.Event, notifications: CommitNotifications | None
    ) -> bool:
        """Wait for a commit's notification, the poll interval or `stop`; True: stopping."""
        if notifications is None:
            return await sleep_or_stop(stop, self.idle_interval)
        if await notifications.wait(
            stop, safety_poll=self.listen_idle_interval, polling=self.idle_interval
        ):
            return True
        # Under a steady stream of commits, let a few gather: one sweep for them all.
        return await sleep_or_stop(stop, self.coalesce) if self.coalesce else stop.is_set()

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows in `seq` order; the number marked sent.

        A row the publisher calls unsendable is parked (with the rows behind it that share
        its key) and the sweep ends without error. Other errors are raised after recording
        them (and marking the acknowledged prefix); the next call starts again at the first
        unacknowledged row.
        """
        failure: Exception | None = None
        self._parked_in_sweep = 0
        async with self.session_factory() as session, session.begin():
            if not await self._lead(session):
                return 0
            batch = await outbox_rows.unsent(session, self.batch_size)
            rows, held = await hold_behind_parked(session, batch)
            self._parked_in_sweep += held
            acked = len(rows)
            if rows:
                acked, failure = await self._publish(session, rows)
                await self._mark_sent(session, rows[:acked])
            await observe_backlog(session, self.service)
        if rows[:acked]:
            log.info(
                "published outbox batch",
                extra={"count": acked, "first_seq": rows[0].seq, "last_seq": rows[acked - 1].seq},
            )
        if failure is not None:
            raise failure
        return acked

    async def _publish(
        self, session: AsyncSession, rows: list[OutboxMessage]
    ) -> tuple[int, Exception | None]:
        """Hand `rows` to the publisher: how many were acknowledged, and the failure to
        raise after the sweep's commit (none when the first unacknowledged row was parked)."""
        try:
            self._crash_hooks.fire("BEFORE_PUBLISH")
            await self.publisher.publish(rows)
            self._crash_hooks.fire("AFTER_PUBLISH")
        except Exception as exc:
            acked = exc.acknowledged if isinstance(exc, PublishError) else 0
            if isinstance(exc, PublishError) and exc.unsendable and acked < len(rows):
                await park(session, self.service, rows[acked], exc)
                self._parked_in_sweep += 1
                return acked, None
            await self._record_failure(session, rows[acked:], exc)
            return acked, exc
        return len(rows), None

    async def _lead(self, session: AsyncSession) -> bool:
        """On PostgreSQL: are we the one relay of this database (for this transaction)?"""
        leader = await outbox_rows.take_relay_lock(session)
        if leader == self._standby:
            self._standby = not leader
            log.info(
                "another relay holds the outbox lock: standing by"
                if self._standby
                else "outbox lock taken: relaying"
            )
        return leader

    async def _mark_sent(self, session: AsyncSession, rows: Sequence[OutboxMessage]) -> None:
        if not rows:
            return
        await outbox_rows.mark_sent(session, rows)
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))

    async def _record_failure(
        self, session: AsyncSession, rows: Sequence[OutboxMessage], exc: Exception
    ) -> None:
        error = exc.error_type if isinstance(exc, PublishError) else type(exc).__name__
        OUTBOX_FAILURES.labels(self.service, error).inc()
        token = event_id_var.set(rows[0].event_id if rows else None)
        try:
            log.warning(
                "publishing the outbox failed at seq %s: %s: %s",
                rows[0].seq if rows else None,
                error,
                exc,
                extra={"unacknowledged": len(rows), "error": error},
            )
        finally:
            event_id_var.reset(token)
        if rows:
            await outbox_rows.mark_failed(session, rows, f"{error}: {exc}")
