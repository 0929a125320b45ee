"""The consumer's handler: registry events -> this service's copy of registry data.

The consumer calls `handle_event` inside its transaction (with the inbox row that makes
redelivery harmless) for the types in `HANDLED_TYPES`; it skips the topics' other types
(and counts them), and dead-letters unknown ones (ADR 0009).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from activities.service_layer import registry_events as registry
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import AcademyRegistered, AcademyUpdated, MunicipalityDefined
from stemkit.eventing import CloudEvent

UseCase = Callable[[AsyncSession, Any], Awaitable[None]]
# Type names come from the contracts, so they are spelled in one place only.
_USE_CASES: dict[type[BaseModel], UseCase] = {
    AcademyRegistered: registry.on_academy_profile,
    AcademyUpdated: registry.on_academy_profile,
    MunicipalityDefined: registry.on_municipality_defined,
}
ROUTES = {t.name: (t.payload, use) for t in CATALOG.all() if (use := _USE_CASES.get(t.payload))}
HANDLED_TYPES = frozenset(ROUTES)  # the consumer skips (and counts) the topics' other types


async def handle_event(session: AsyncSession, event: CloudEvent) -> None:
    """Called by the consumer loop inside a database transaction, once per event."""
    route = ROUTES.get(event.type)
    if route is not None:
        payload, use_case = route
        await use_case(session, payload.model_validate(event.data))
