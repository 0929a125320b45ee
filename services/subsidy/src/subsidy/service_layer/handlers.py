"""The consumer's handler: registry and activity events -> use cases.

The consumer hands it only the types in `HANDLED_TYPES`; it skips (and counts) the topics'
other types and dead-letters unknown ones (ADR 0009).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityPublished, ActivityUpdated, ActivityWithdrawn
from stemkit.contracts.registry import (
    AcademyRegistered,
    AcademyUpdated,
    MunicipalityDefined,
    RecognitionDecided,
    RoleAssigned,
    RoleRevoked,
)
from stemkit.eventing import CloudEvent
from subsidy.service_layer import registry_events as registry
from subsidy.service_layer.reach import record_activity, withdraw_activity

UseCase = Callable[[AsyncSession, Any], Awaitable[None]]
# Type names come from the contracts, so they are spelled in one place only.
_USE_CASES: dict[type[BaseModel], UseCase] = {
    ActivityPublished: record_activity,
    ActivityUpdated: record_activity,
    ActivityWithdrawn: withdraw_activity,
    AcademyRegistered: registry.record_academy,
    AcademyUpdated: registry.record_academy,
    RecognitionDecided: registry.record_recognition,
    RoleAssigned: registry.record_role,
    RoleRevoked: registry.record_role,
    MunicipalityDefined: registry.record_municipality,
}
ROUTES = {t.name: (t.payload, use) for t in CATALOG.all() if (use := _USE_CASES.get(t.payload))}
HANDLED_TYPES = frozenset(ROUTES)  # the consumer skips (and counts) the topics' other types


async def handle_event(session: AsyncSession, event: CloudEvent) -> None:
    """Called by the consumer loop inside a database transaction, once per event."""
    route = ROUTES.get(event.type)
    if route is not None:
        payload, use_case = route
        await use_case(session, payload.model_validate(event.data))
