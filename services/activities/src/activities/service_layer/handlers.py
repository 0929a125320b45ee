"""The consumer's handler: registry events -> this service's copy of registry data.

The consumer calls `handle_event` inside its transaction (with the inbox row that makes
redelivery harmless) for the types in `HANDLED_TYPES`; it skips the topics' other types
(and counts them), and dead-letters unknown ones (ADR 0009).
"""

from __future__ import annotations

from pydantic import BaseModel

from activities.service_layer import registry_events as registry
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import AcademyRegistered, AcademyUpdated, MunicipalityDefined
from stemkit.eventing.dispatch import EventDispatch, UseCase

# Type names come from the contracts, so they are spelled in one place only.
_USE_CASES: dict[type[BaseModel], UseCase] = {
    AcademyRegistered: registry.on_academy_profile,
    AcademyUpdated: registry.on_academy_profile,
    MunicipalityDefined: registry.on_municipality_defined,
}
_DISPATCH = EventDispatch(CATALOG, _USE_CASES)
HANDLED_TYPES = _DISPATCH.handled_types  # the consumer skips (and counts) the topics' other types
handle_event = _DISPATCH.handle_event  # called by the consumer loop in its transaction
