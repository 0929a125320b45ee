"""The audit trail every service with writable state keeps (issue 21, docs/adr/0020).

`audit_table(metadata)` is the service's `audit_log`; `record` adds one row and its
`ChangeAudited` event (to the outbox) inside the caller's transaction, so a change, its audit
row and its audit event commit together or not at all (`Trail.record`: the same, for one
service's table and name). `entries` reads an academy's trail.

Who made the change comes from the credential, never from the request body (`actor_from`):
the `Principal` the service's doorkeeper admitted (a person's access token from the identity
provider; in development a static token, e.g. `static:ops` for the shared ops token, so the
trail says plainly that no person was identified), or, when that principal is the gateway's
own machine credential, the signed-in person the gateway names in the `X-Stem-Actor-*`
headers (sent by no one else: only the gateway's credential makes them count).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Query, Request, Security, params
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.access.auth import Doorkeeper
from stemkit.access.identity import COORDINATOR, Principal, current_principal
from stemkit.contracts import CATALOG
from stemkit.contracts.audit import PAYLOAD_OF_SERVICE
from stemkit.contracts.audit import Actor as ActorModel
from stemkit.eventing.outbox import add_event

# Headers the gateway sets when it writes for a signed-in person (percent-encoded UTF-8).
SUBJECT_HEADER = "X-Stem-Actor-Subject"
NAME_HEADER = "X-Stem-Actor-Name"
VIA_HEADER = "X-Stem-Actor-Via"
# The named person's roles, comma-separated: a service checks them for the writes it lets
# the gateway make for a person (registry entrypoints/standing_in.py, docs/adr/0021).
ROLES_HEADER = "X-Stem-Actor-Roles"
# The gateway's machine credential: the static token's caller, or its client-credentials
# service account at the provider.
GATEWAY_NAMES = frozenset({"gateway", "service-account-stem-gateway"})

MAX_TEXT = 2000  # reasons and notes longer than this are cut (the row stays readable)

# Why a change was made, in the actor's words, for a request without a body to carry it.
Reason = Annotated[
    str | None,
    Query(max_length=MAX_TEXT, description="Why: kept in the audit trail with the change"),
]


@dataclass(frozen=True)
class Actor:
    """Who made a change, as authenticated."""

    subject: str
    via: str
    name: str | None = None

    def headers(self) -> dict[str, str]:
        """The headers the gateway sends to say it acts for this person."""
        found = {SUBJECT_HEADER: quote(self.subject), VIA_HEADER: quote(self.via)}
        if self.name:
            found[NAME_HEADER] = quote(self.name)
        return found


def is_gateway(principal: Principal) -> bool:
    """The gateway's own machine credential (its static token, or its service account)."""
    return principal.name in GATEWAY_NAMES and COORDINATOR not in principal.roles


def actor_from(principal: Principal, headers: Mapping[str, str]) -> Actor:
    """The actor of a request its doorkeeper admitted as `principal`: the principal itself,
    or, when the principal is the gateway's own machine credential, the person the gateway
    names in the `X-Stem-Actor-*` headers (anyone else sending them is not believed)."""
    subject = headers.get(SUBJECT_HEADER.lower()) or headers.get(SUBJECT_HEADER)
    if is_gateway(principal) and subject:
        name = headers.get(NAME_HEADER.lower()) or headers.get(NAME_HEADER)
        via = headers.get(VIA_HEADER.lower()) or headers.get(VIA_HEADER) or "unknown"
        return Actor(
            subject=unquote(subject)[:200],
            via=f"gateway/{unquote(via)[:24]}",
            name=unquote(name)[:200] if name else None,
        )
    return Actor(subject=principal.subject, via=principal.via, name=principal.name or None)


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


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as the services' audit read routes answer it."""
    return {
        "audit_id": entry.audit_id,
        "recorded_at": entry.recorded_at.isoformat(),
        "actor": {"subject": entry.actor.subject, "name": entry.actor.name, "via": entry.actor.via},
        "academy_id": entry.academy_id,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "note": entry.note,
    }


def actor_dependency(doorkeeper: Doorkeeper) -> Callable[..., Awaitable[Actor]]:
    """A FastAPI dependency: the actor of the request (its credential checked again; the
    route's own scope check stays where it is)."""

    async def actor(request: Request, _admitted: Any = Security(doorkeeper)) -> Actor:  # noqa: B008
        return actor_from(current_principal(request), request.headers)

    return actor


def request_actor(request: Request) -> Actor:
    """A FastAPI dependency for a route behind a router whose doorkeeper already admitted the
    request: its actor (401 when no doorkeeper ran, `current_principal`)."""
    return actor_from(current_principal(request), request.headers)


def audit_router(
    sessions: async_sessionmaker[AsyncSession], table: Table, door: params.Security
) -> APIRouter:
    """GET /audit: the newest entries of an academy or of a kind of entity (ops)."""
    router = APIRouter(tags=["audit"], dependencies=[door])

    @router.get("/audit")
    async def list_audit(
        academy_id: Annotated[str | None, Query(max_length=64)] = None,
        entity: Annotated[str | None, Query(max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[dict[str, Any]]:
        """Who changed what, when, before and after, and why; newest first."""
        async with sessions() as session:
            found = await entries(
                session,
                table,
                academy_id=academy_id.lower() if academy_id else None,
                entity=entity,
                limit=limit,
            )
        return [entry_json(e) for e in found]

    return router
