"""The outbox relay: publishes committed outbox rows to Kafka, in `seq` order, at least once.

One sweep (`relay_once`) runs in one database transaction: read the oldest unsent rows,
hand them to the `Publisher`, and set `sent_at` on the rows the broker acknowledged (on
failure: the acknowledged prefix only, plus `attempts`/`last_error` on the rest). A row is
never skipped: the next sweep starts again at the first unacknowledged row, so events that
share a key keep their order. A crash between the broker's ack and the commit re-sends the
batch on restart; consumers dedupe by event id (`stemkit.eventing.consumer`).

A row that can never be sent as it is (`PublishError.unsendable`: bigger than
`stemkit.eventing.kafka.MAX_MESSAGE_BYTES`, an envelope that is no record, a broker refusing that
record) is parked instead: `parked_at` and `parked_reason` set, logged once, counted in
`stem_outbox_parked`, and the sweep goes on with the rows behind it. Rows with the same topic
and key as a parked row are parked behind it ("held"), so that a key's events never overtake
each other; ops put a parked row back in line or discard it (`stemkit.ops.outbox_parked`,
ADR 0008). Errors of the broker or the connection (down, leader elections, timeouts) are
never the row's fault: the row stays first in line and the sweep is retried with backoff.

Between sweeps that found nothing the relay waits `idle_interval`. On PostgreSQL it also
LISTENs on `stemkit.eventing.outbox.OUTBOX_CHANNEL`, which every transaction that stages an event
NOTIFYs at commit: it sweeps as soon as something is committed, and polls only every
`listen_idle_interval` as a safety net (a lost listening connection falls back to polling
at `idle_interval` until it is back). After a notification it waits `coalesce` (50 ms) so
that a stream of commits is swept in batches, not one sweep per commit. Idle relays cost
almost nothing, and an event leaves within about `coalesce` of its commit instead of up
to an idle interval later.

On PostgreSQL each sweep takes `pg_try_advisory_xact_lock`, so a second replica stands by
instead of interleaving batches (the lock dies with the transaction, also when the process
is killed): two relays per database are safe and keep the order per key (ADR 0018). On
SQLite there is no such lock: never point two relay processes at one SQLite file.

Test hooks (fault injection for the crash tests; never set them in production):
`STEM_RELAY_CRASH_BEFORE_PUBLISH` / `STEM_RELAY_CRASH_AFTER_PUBLISH` = `1` makes the
process `os._exit(137)` right before publishing / right after the broker's ack and before
`sent_at` is written; `hang` freezes the process there so a test can `kill -9` it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.eventing.envelope import CloudEvent
from stemkit.eventing.outbox import CommitNotifications
from stemkit.eventing.runner import Backoff, sleep_or_stop
from stemkit.logging import event_id_var
from stemkit.storage.db import outbox

log = logging.getLogger(__name__)

OUTBOX_BACKLOG = Gauge(
    "stem_outbox_backlog", "Outbox rows not yet sent (parked ones apart)", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "stem_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row", ["service"]
)
OUTBOX_PUBLISHED = Counter(
    "stem_outbox_published_total", "Outbox rows published and marked sent", ["service"]
)
OUTBOX_FAILURES = Counter(
    "stem_outbox_publish_failures_total", "Failed publish attempts", ["service", "error"]
)
OUTBOX_PARKED = Gauge(
    "stem_outbox_parked",
    "Outbox rows parked: unsendable, or held behind an unsendable row with their key",
    ["service"],
)

# How the reason of a row parked behind another begins ("held behind seq N: ...").
HELD_BEHIND = "held behind seq"

# One advisory lock key per database: "the outbox relay of this database".
RELAY_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"stemkit.eventing.outbox.relay").digest()[:8], "big", signed=True
)


@dataclass(frozen=True)
class OutboxMessage:
    """One outbox row on its way to Kafka."""

    seq: int
    event_id: str
    topic: str
    key: str
    event_type: str
    envelope: str  # the CloudEvent as structured JSON
    created_at: datetime
    attempts: int

    def event(self) -> CloudEvent:
        return CloudEvent.model_validate_json(self.envelope)


class Publisher(Protocol):
    """Where the relay sends events. Must raise unless every message was acknowledged."""

    async def publish(self, messages: Sequence[OutboxMessage]) -> None: ...


class PublishError(Exception):
    """Not every message was acknowledged; the first `acknowledged` ones were.

    `unsendable`: the message right after them can never be sent as it is (its own fault,
    not the broker's): the relay parks it and goes on.
    """

    def __init__(
        self,
        message: str,
        *,
        acknowledged: int = 0,
        error_type: str | None = None,
        unsendable: bool = False,
    ):
        super().__init__(message)
        self.acknowledged = acknowledged
        self.error_type = error_type or type(self).__name__
        self.unsendable = unsendable


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
        self._faults = {
            stage: os.environ.get(f"STEM_RELAY_CRASH_{stage}", "")
            for stage in ("BEFORE_PUBLISH", "AFTER_PUBLISH")
        }
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
                # Polling: sweep again at once after a sweep that sent something. Listening:
                # only after a full batch; otherwise wait for the next commit (one during
                # this sweep has already set `wake`), so sweeps never outnumber commits.
                more = sent >= self.batch_size if notifications is not None else sent > 0
                more = more or self._parked_in_sweep > 0  # the rows behind a parked one
                if not more and await self._wait_idle(stop, notifications):
                    break
        finally:
            if notifications is not None:
                await notifications.close()
        log.info("outbox relay stopped")

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
            rows = await self._unsendable_keys_held(session, await self._unsent(session))
            acked = len(rows)
            if rows:
                try:
                    self._fault("BEFORE_PUBLISH")
                    await self.publisher.publish(rows)
                    self._fault("AFTER_PUBLISH")
                except Exception as exc:
                    acked = exc.acknowledged if isinstance(exc, PublishError) else 0
                    if isinstance(exc, PublishError) and exc.unsendable and acked < len(rows):
                        await self._park(session, rows[acked], exc)
                    else:
                        failure = exc
                        await self._record_failure(session, rows[acked:], exc)
                await self._mark_sent(session, rows[:acked])
            await self._observe_backlog(session)
        if rows[:acked]:
            log.info(
                "published outbox batch",
                extra={"count": acked, "first_seq": rows[0].seq, "last_seq": rows[acked - 1].seq},
            )
        if failure is not None:
            raise failure
        return acked

    async def _lead(self, session: AsyncSession) -> bool:
        """On PostgreSQL: are we the one relay of this database (for this transaction)?"""
        if (await session.connection()).dialect.name != "postgresql":
            return True
        leader = bool(await session.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK_KEY))))
        if leader == self._standby:
            self._standby = not leader
            log.info(
                "another relay holds the outbox lock: standing by"
                if self._standby
                else "outbox lock taken: relaying"
            )
        return leader

    async def _unsent(self, session: AsyncSession) -> list[OutboxMessage]:
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
            .limit(self.batch_size)
        )
        return [OutboxMessage(**row._mapping) for row in result]

    async def _unsendable_keys_held(
        self, session: AsyncSession, rows: list[OutboxMessage]
    ) -> list[OutboxMessage]:
        """Park the rows whose topic and key has an earlier parked row; the others."""
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
            return rows
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
        self._parked_in_sweep += sum(len(seqs) for seqs in held.values())
        return free

    async def _park(self, session: AsyncSession, row: OutboxMessage, exc: PublishError) -> None:
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
        self._parked_in_sweep += 1
        OUTBOX_FAILURES.labels(self.service, exc.error_type).inc()
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

    async def _mark_sent(self, session: AsyncSession, rows: Sequence[OutboxMessage]) -> None:
        if not rows:
            return
        await session.execute(
            update(outbox)
            .where(outbox.c.seq.in_([r.seq for r in rows]))
            .values(sent_at=datetime.now(UTC))
        )
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
            await session.execute(
                update(outbox)
                .where(outbox.c.seq.in_([r.seq for r in rows]))
                .values(attempts=outbox.c.attempts + 1, last_error=f"{error}: {exc}"[:2000])
            )

    async def _observe_backlog(self, session: AsyncSession) -> None:
        c = outbox.c
        row = (
            await session.execute(
                select(
                    func.count(c.seq).filter(c.parked_at.is_(None)),
                    func.min(c.created_at).filter(c.parked_at.is_(None)),
                    func.count(c.parked_at),
                ).where(c.sent_at.is_(None))
            )
        ).one()
        count, oldest = int(row[0]), row[1]
        OUTBOX_BACKLOG.labels(self.service).set(count)
        OUTBOX_PARKED.labels(self.service).set(int(row[2]))
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)  # SQLite: naive UTC
            age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        OUTBOX_OLDEST_AGE.labels(self.service).set(age)

    def _fault(self, stage: str) -> None:
        """The crash-test hooks described in the module docstring."""
        value = self._faults.get(stage)
        if not value:
            return
        log.critical("test fault hook STEM_RELAY_CRASH_%s=%s fired", stage, value)
        for handler in logging.getLogger().handlers:
            handler.flush()
        if value == "hang":
            while True:  # frozen mid-sweep, transaction open, until the test kills -9 us
                time.sleep(3600)
        os._exit(137)
