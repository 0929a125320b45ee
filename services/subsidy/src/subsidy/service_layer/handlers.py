"""The consumer's handler: registry and activity events -> use cases.

The consumer hands it only the types in `HANDLED_TYPES`; it skips (and counts) the topics'
other types and dead-letters unknown ones (ADR 0009).
"""

from __future__ import annotations

from pydantic import BaseModel

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
from stemkit.eventing.dispatch import EventDispatch, UseCase
from subsidy.service_layer import registry_events as registry
from subsidy.service_layer.reach import record_activity, withdraw_activity

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
_DISPATCH = EventDispatch(CATALOG, _USE_CASES)
ROUTES = _DISPATCH.routes
HANDLED_TYPES = _DISPATCH.handled_types  # the consumer skips (and counts) the topics' other types
handle_event = _DISPATCH.handle_event  # called by the consumer loop in its transaction
