"""The delivery store: every document or notification received, by webhook, poller or
backfill, kept raw until it is processed, and kept after that when it is quarantined. The
one module that writes the `webhook_deliveries` table (and reads it, but for the cross-table
reads `not_counted` and `unknown_organizers`).

Statuses: received (waiting, maybe with a `next_attempt_at`), processed, quarantined.
Processed ones are purged after the retention (`purge_processed`); the others are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from activities.adapters.activity_store import dialect_insert
from activities.adapters.orm import webhook_deliveries as deliveries

RECEIVED, PROCESSED, QUARANTINED = "received", "processed", "quarantined"
# PostgreSQL: a commit that stores deliveries NOTIFYs this channel; the worker listens.
DELIVERIES_CHANNEL = "stem_activities_deliveries"
REPLAY_CHUNK = 1000  # ids per UPDATE: far below the drivers' bound-parameter limits


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    body: str
    attempts: int
    status: str
    source: str | None = None
    error: str | None = None
    received_at: datetime | None = None


async def record(
    session: AsyncSession, webhook_id: str, body: str, source: str, *, error: str | None = None
) -> bool:
    """Store a delivery as received (with an `error`: in quarantine, with that reason);
    False when this id was stored before."""
    statement = (
        dialect_insert(session, deliveries)
        .values(
            webhook_id=webhook_id,
            received_at=datetime.now(UTC),
            body=body,
            status=RECEIVED if error is None else QUARANTINED,
            source=source,
            error=storable(error),
        )
        .on_conflict_do_nothing(index_elements=["webhook_id"])
    )
    result = await session.execute(statement)
    stored = bool(getattr(result, "rowcount", 0))
    if stored and session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(DELIVERIES_CHANNEL, "")))  # at commit
    return stored


async def insert_received(
    connection: AsyncConnection, rows: dict[str, tuple[str, str]], now: datetime
) -> set[str]:
    """The webhook's group (`adapters.intake`): store these deliveries (id -> body, source)
    as received in one INSERT ... ON CONFLICT DO NOTHING RETURNING; the ids stored (the
    others were stored before). On PostgreSQL the delivery worker is notified at commit
    (one notification per commit: PostgreSQL folds identical ones); none when every row
    was a duplicate."""
    values = [
        {"webhook_id": webhook_id, "received_at": now, "body": body, "status": RECEIVED}
        | {"source": source}
        for webhook_id, (body, source) in rows.items()
    ]
    statement = (
        _insert_for(connection.dialect.name, deliveries)
        .values(values)
        .on_conflict_do_nothing(index_elements=["webhook_id"])
        .returning(deliveries.c.webhook_id)
    )
    stored = set((await connection.execute(statement)).scalars())
    if stored and connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_notify(DELIVERIES_CHANNEL, "")))
    return stored


def _insert_for(dialect: str, table: Any) -> Any:
    # ON CONFLICT is dialect-specific in SQLAlchemy: a functional need, not a speed-up.
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


# The same group through one prepared statement on asyncpg: three arrays (`unnest`), so
# no SQL is compiled per group size and the NOTIFY rides in the same statement.
_C = deliveries.c
INSERT_GROUP = (
    f"WITH stored AS (INSERT INTO {deliveries.name} ({_C.webhook_id.name}, "
    f"{_C.received_at.name}, {_C.body.name}, {_C.status.name}, {_C.source.name}) "
    "SELECT id, $2::timestamptz, body, $4::text, source "
    "FROM unnest($1::text[], $3::text[], $5::text[]) AS d(id, body, source) "
    f"ON CONFLICT ({_C.webhook_id.name}) DO NOTHING RETURNING {_C.webhook_id.name}) "
    f"SELECT {_C.webhook_id.name}, pg_notify('{DELIVERIES_CHANNEL}', '') FROM stored"
)


async def insert_received_prepared(
    driver: Any, rows: dict[str, tuple[str, str]], now: datetime
) -> set[str]:
    """`insert_received` on a raw asyncpg connection (`driver`), autocommitted."""
    records = await driver.fetch(
        INSERT_GROUP,
        list(rows),
        now,
        [body for body, _ in rows.values()],
        RECEIVED,
        [source for _, source in rows.values()],
    )
    return {record[0] for record in records}


async def status_of(session: AsyncSession, webhook_id: str) -> str | None:
    return await session.scalar(
        select(deliveries.c.status).where(deliveries.c.webhook_id == webhook_id)
    )


async def due(session: AsyncSession, limit: int) -> list[Delivery]:
    """Received deliveries whose turn it is, oldest first (not locked: see `lock_many`)."""
    now = datetime.now(UTC)
    rows = await session.execute(
        select(deliveries)
        .where(
            deliveries.c.status == RECEIVED,
            or_(deliveries.c.next_attempt_at.is_(None), deliveries.c.next_attempt_at <= now),
        )
        .order_by(deliveries.c.received_at, deliveries.c.webhook_id)
        .limit(limit)
    )
    return [_delivery(row) for row in rows]


async def claim(session: AsyncSession, worker: str, limit: int, *, lease: float) -> list[Delivery]:
    """Claim up to `limit` due deliveries for `worker` for `lease` seconds, oldest first:
    those no other worker's claim covers (expired claims are free, and the worker's own).
    PostgreSQL skips rows another worker is claiming right now (SKIP LOCKED), so two
    workers never wait for each other here; SQLite has one writer at a time anyway.
    Commit soon: the claim holds from its commit, and fetching happens after it."""
    now = datetime.now(UTC)
    c = deliveries.c
    free = (
        select(c.webhook_id)
        .where(
            c.status == RECEIVED,
            or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
            or_(c.claimed_until.is_(None), c.claimed_until <= now, c.claimed_by == worker),
        )
        .order_by(c.received_at, c.webhook_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = await session.execute(
        update(deliveries)
        .where(c.webhook_id.in_(free.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + timedelta(seconds=lease))
        .returning(*deliveries.c)
    )
    claimed = [_delivery(row) for row in rows]
    return sorted(claimed, key=lambda d: (_aware(d.received_at), d.webhook_id))


async def lock_many(
    session: AsyncSession, webhook_ids: list[str], *, claimed_by: str | None = None
) -> set[str]:
    """The ids of these deliveries that are still waiting and that no other worker holds,
    locked for this transaction (PostgreSQL SKIP LOCKED; SQLite has one writer anyway).
    With `claimed_by`: only those still claimed by that worker (a claim that expired and
    was taken by another worker is that worker's now)."""
    query = select(deliveries.c.webhook_id).where(
        deliveries.c.webhook_id.in_(webhook_ids), deliveries.c.status == RECEIVED
    )
    if claimed_by is not None:
        query = query.where(deliveries.c.claimed_by == claimed_by)
    rows = await session.scalars(query.with_for_update(skip_locked=True))
    return set(rows)


async def unclaim(session: AsyncSession, webhook_ids: list[str]) -> None:
    """Give these deliveries' claims up: any worker may take them at its next round."""
    await session.execute(
        update(deliveries)
        .where(deliveries.c.webhook_id.in_(webhook_ids))
        .values(claimed_by=None, claimed_until=None)
    )


@dataclass(frozen=True)
class Finished:
    """How a delivery ended: processed, or quarantined when `error` is given."""

    webhook_id: str
    kind: str | None = None
    activity_id: str | None = None
    error: str | None = None


async def finish_many(session: AsyncSession, finished: list[Finished]) -> None:
    """Mark deliveries processed, or quarantined with the reason (one executemany)."""
    if not finished:
        return
    now = datetime.now(UTC)
    await session.execute(
        update(deliveries)
        .where(deliveries.c.webhook_id == bindparam("b_webhook_id"))
        .values(
            status=bindparam("b_status"),
            error=bindparam("b_error"),
            kind=bindparam("b_kind"),
            activity_id=bindparam("b_activity_id"),
            processed_at=now,
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
        ),
        [
            {
                "b_webhook_id": f.webhook_id,
                "b_status": QUARANTINED if f.error else PROCESSED,
                "b_error": storable(f.error),
                "b_kind": f.kind,
                "b_activity_id": f.activity_id,
            }
            for f in finished
        ],
    )


async def retry_later(
    session: AsyncSession, webhook_id: str, error: str, delay: float, *, count: bool = True
) -> None:
    """Try again after `delay` seconds; `count=False`: an outage, the attempt not counted."""
    await session.execute(
        update(deliveries)
        .where(deliveries.c.webhook_id == webhook_id)
        .values(
            attempts=deliveries.c.attempts + (1 if count else 0),
            error=storable(error),
            next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay),
            claimed_by=None,
            claimed_until=None,
        )
    )


async def oldest_due(session: AsyncSession) -> datetime | None:
    """When the longest-waiting due delivery became due (received, or its retry time
    came); None when nothing is due."""
    now = datetime.now(UTC)
    became_due = func.coalesce(deliveries.c.next_attempt_at, deliveries.c.received_at)
    found = await session.scalar(
        select(func.min(became_due)).where(
            deliveries.c.status == RECEIVED,
            or_(deliveries.c.next_attempt_at.is_(None), deliveries.c.next_attempt_at <= now),
        )
    )
    if isinstance(found, str):  # SQLite: min() of a coalesce loses the column's type
        found = datetime.fromisoformat(found)
    if found is not None and found.tzinfo is None:  # SQLite gives naive UTC back
        found = found.replace(tzinfo=UTC)
    return found


def storable(text: str | None) -> str | None:
    """A reason as the database takes it: PostgreSQL refuses NUL in text."""
    return None if text is None else readable(text)


def readable(text: str) -> str:
    """Text any database stores: NUL written as `\\0`, bytes that were not UTF-8
    (surrogate escapes) as `\\xNN`. For what is kept with a reason, not processed."""
    text = text.replace("\x00", "\\0")
    try:
        raw = text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        raw = text.encode("utf-8", errors="surrogatepass")
    return raw.decode("utf-8", errors="backslashreplace")


async def quarantined(session: AsyncSession, *, limit: int, after: str | None) -> list[Delivery]:
    """Quarantined deliveries in id order, after the id `after` (keyset paging)."""
    query = select(deliveries).where(deliveries.c.status == QUARANTINED)
    if after is not None:
        query = query.where(deliveries.c.webhook_id > after)
    rows = await session.execute(query.order_by(deliveries.c.webhook_id).limit(limit))
    return [_delivery(row) for row in rows]


async def quarantined_for_replay(
    session: AsyncSession, webhook_ids: list[str] | None
) -> list[Delivery]:
    """The quarantined deliveries (these, or all), locked on PostgreSQL until the replay
    commits, so two replays at once do not both put one back in line."""
    query = select(deliveries).where(deliveries.c.status == QUARANTINED)
    if webhook_ids is not None:
        query = query.where(deliveries.c.webhook_id.in_(webhook_ids))
    rows = await session.execute(query.order_by(deliveries.c.webhook_id).with_for_update())
    return [_delivery(row) for row in rows]


async def replay(session: AsyncSession, webhook_ids: list[str]) -> int:
    """Put these quarantined deliveries back in the queue; returns how many."""
    replayed = 0
    for start in range(0, len(webhook_ids), REPLAY_CHUNK):
        result = await session.execute(
            update(deliveries)
            .where(
                deliveries.c.status == QUARANTINED,
                deliveries.c.webhook_id.in_(webhook_ids[start : start + REPLAY_CHUNK]),
            )
            .values(
                status=RECEIVED,
                attempts=0,
                next_attempt_at=None,
                claimed_by=None,
                claimed_until=None,
            )
        )
        replayed += int(getattr(result, "rowcount", 0) or 0)
    return replayed


async def purge_processed(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` processed deliveries processed before `before`; returns how
    many. Never a received (waiting or retrying) or quarantined one. `received_at` bounds
    the index range too: a delivery is processed after it is received."""
    oldest = (
        select(deliveries.c.webhook_id)
        .where(
            deliveries.c.status == PROCESSED,
            deliveries.c.received_at < before,
            func.coalesce(deliveries.c.processed_at, deliveries.c.received_at) < before,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)  # another worker's purge: skip, not wait
    )
    result = await session.execute(
        delete(deliveries)
        .where(deliveries.c.webhook_id.in_(oldest.scalar_subquery()))
        .where(deliveries.c.status == PROCESSED)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def count(session: AsyncSession, status: str) -> int:
    found = await session.scalar(
        select(func.count()).select_from(deliveries).where(deliveries.c.status == status)
    )
    return int(found or 0)


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite: naive UTC


def _delivery(row: object) -> Delivery:
    return Delivery(
        webhook_id=row.webhook_id,  # type: ignore[attr-defined]
        body=row.body,  # type: ignore[attr-defined]
        attempts=row.attempts,  # type: ignore[attr-defined]
        status=row.status,  # type: ignore[attr-defined]
        source=row.source,  # type: ignore[attr-defined]
        error=row.error,  # type: ignore[attr-defined]
        received_at=row.received_at,  # type: ignore[attr-defined]
    )
