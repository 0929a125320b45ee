"""Reading the services' audit trails (`GET /audit`, ops scope; issue 21)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from pydantic import TypeAdapter

from gateway.adapters.http import Read, get, parse, path_id


class ActorRead(Read):
    subject: str
    name: str | None = None
    via: str


class AuditRead(Read):
    audit_id: str
    recorded_at: datetime
    actor: ActorRead
    academy_id: str | None = None
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    note: str | None = None


_ENTRIES = TypeAdapter(list[AuditRead])


async def trail(
    client: httpx.AsyncClient, service: str, academy_id: str | None, limit: int = 200
) -> list[AuditRead]:
    """The newest entries of one service's trail: of one academy, or (None) all of them,
    those of no academy too (a quarantine replay, a parked outbox row, a parameter)."""
    wanted = None if academy_id is None else path_id("academyId", academy_id)
    response = await get(client, service, "/audit", academy_id=wanted, limit=limit)
    found: list[AuditRead] = parse(service, _ENTRIES, response)
    return found
