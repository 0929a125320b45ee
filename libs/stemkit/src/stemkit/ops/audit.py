"""The audit trail every service with writable state keeps (issue 21, docs/adr/0020).

`audit_table(metadata)` is the service's `audit_log`; `record` adds one row and its
`ChangeAudited` event (to the outbox) inside the caller's transaction, so a change, its audit
row and its audit event commit together or not at all (`Trail.record`: the same, for one
service's table and name). `entries` reads an academy's trail. Who made the change is a
`stemkit.access.actor.Actor`; the ops read route is `stemkit.ops.audit_routes`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.access.actor import Actor
from stemkit.contracts import CATALOG
from stemkit.contracts.audit import PAYLOAD_OF_SERVICE
from stemkit.contracts.audit import Actor as ActorModel
from stemkit.eventing.outbox import add_event

MAX_TEXT = 2000  # reasons and notes longer than this are cut (the row stays readable)


def audit_table(metadata: MetaData) -> Table:
    """The `audit_log` table on a service's own MetaData. No foreign keys: the trail
    outlives what it describes."""
    table = Table(
        "audit_log",
        metadata,
        Column("audit_id", String(36), primary_key=True),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("subject", String(200), nullable=False, comment="the authenticated actor"),
        Column("subject_name", String(200), nullable=True),
        Column("via", String(40), nullable=False),
        Column("academy_id", String(36), nullable=True),
        Column("entity", String(40), nullable=False),
        Column("entity_id", String(200), nullable=False),
        Column("action", String(40), nullable=False),
        Column("before", Text, nullable=True, comment="JSON"),
        Column("after", Text, nullable=True, comment="JSON"),
        Column("reason", Text, nullable=True),
        Column("note", Text, nullable=True),
    )
    Index("ix_audit_log_academy", table.c.academy_id, table.c.recorded_at)
    Index("ix_audit_log_entity", table.c.entity, table.c.entity_id)
    return table


@dataclass(frozen=True)
class Change:
    """One change to record."""

    entity: str
    entity_id: str
    action: str
    academy_id: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Entry:
    audit_id: str
    recorded_at: datetime
    actor: Actor
    academy_id: str | None
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    note: str | None


def _plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    # Through JSON once: dates, decimals and tuples become what the event and the row hold.
    return None if value is None else dict(json.loads(json.dumps(value, default=str)))


def _cut(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:MAX_TEXT] if text else None


async def record(
    session: AsyncSession,
    table: Table,
    service: str,
    actor: Actor,
    change: Change,
    *,
    now: datetime | None = None,
) -> Entry:
    """Add the audit row and its event to the caller's transaction."""
    entry = Entry(
        audit_id=str(uuid.uuid4()),
        recorded_at=now or datetime.now(UTC),
        actor=actor,
        academy_id=change.academy_id,
        entity=change.entity,
        entity_id=change.entity_id,
        action=change.action,
        before=_plain(change.before),
        after=_plain(change.after),
        reason=_cut(change.reason),
        note=_cut(change.note),
    )
    await session.execute(
        insert(table).values(
            audit_id=entry.audit_id,
            recorded_at=entry.recorded_at,
            subject=actor.subject,
            subject_name=actor.name,
            via=actor.via,
            academy_id=entry.academy_id,
            entity=entry.entity,
            entity_id=entry.entity_id,
            action=entry.action,
            before=None if entry.before is None else json.dumps(entry.before, sort_keys=True),
            after=None if entry.after is None else json.dumps(entry.after, sort_keys=True),
            reason=entry.reason,
            note=entry.note,
        )
    )
    payload = PAYLOAD_OF_SERVICE[service](
        audit_id=entry.audit_id,
        aggregate_id=entry.academy_id or f"{entry.entity}:{entry.entity_id}",
        service=service,
        recorded_at=entry.recorded_at,
        actor=ActorModel(subject=actor.subject, name=actor.name, via=actor.via),
        academy_id=entry.academy_id,
        entity=entry.entity,
        entity_id=entry.entity_id,
        action=entry.action,
        before=entry.before,
        after=entry.after,
        reason=entry.reason,
        note=entry.note,
    )
    event = CATALOG.new_event(payload, source=f"/stem/{service}", time=entry.recorded_at)
    await add_event(session, CATALOG, event)
    return entry


@dataclass(frozen=True)
class Trail:
    """One service's trail: its `audit_log` table and its name (the event's type and topic),
    for code shared by the services, e.g. `stemkit.ops.outbox_parked`."""

    table: Table
    service: str

    async def record(self, session: AsyncSession, actor: Actor, change: Change) -> Entry:
        return await record(session, self.table, self.service, actor, change)


async def entries(
    session: AsyncSession,
    table: Table,
    *,
    academy_id: str | None = None,
    entity: str | None = None,
    limit: int = 200,
) -> list[Entry]:
    """The newest entries first, of one academy and/or one kind of entity."""
    query = select(table)
    if academy_id is not None:
        query = query.where(table.c.academy_id == academy_id)
    if entity is not None:
        query = query.where(table.c.entity == entity)
    query = query.order_by(table.c.recorded_at.desc(), table.c.audit_id).limit(limit)
    rows = (await session.execute(query)).mappings().all()
    return [
        Entry(
            audit_id=r["audit_id"],
            recorded_at=_utc(r["recorded_at"]),
            actor=Actor(subject=r["subject"], via=r["via"], name=r["subject_name"]),
            academy_id=r["academy_id"],
            entity=r["entity"],
            entity_id=r["entity_id"],
            action=r["action"],
            before=None if r["before"] is None else json.loads(r["before"]),
            after=None if r["after"] is None else json.loads(r["after"]),
            reason=r["reason"],
            note=r["note"],
        )
        for r in rows
    ]


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
