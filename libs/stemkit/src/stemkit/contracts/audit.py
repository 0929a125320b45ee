"""Audit events: who changed what, when, from what to what, and why (issue 21).

Each service that owns writable state keeps an `audit_log` table (`stemkit.audit`) written in
the same transaction as the change, and publishes every row as a `ChangeAudited` event on its
own private audit topic (`stem.<service>.audit.v1`): the trail stays in the owning service,
and an archive or a second pair of eyes can read it from Kafka. One payload shape, one event
type per service (the catalogue maps one payload class to one type and topic).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stemkit.eventing.catalog import EventType

REGISTRY_AUDIT_TOPIC = "stem.registry.audit.v1"
SUBSIDY_AUDIT_TOPIC = "stem.subsidy.audit.v1"
ACTIVITIES_AUDIT_TOPIC = "stem.activities.audit.v1"


class Actor(BaseModel):
    """The authenticated person (or, for a shared development token, the credential) that
    made the change: never a free-text field of the request."""

    model_config = ConfigDict(extra="ignore")

    subject: str = Field(min_length=1, description="The principal's stable subject (sub claim)")
    name: str | None = Field(default=None, description="Display name, as the provider gave it")
    via: str = Field(
        description="How the subject was authenticated: oidc, dev-token, service token name"
    )


class ChangeAudited(BaseModel):
    """One change of state, as recorded in the owning service's audit_log."""

    model_config = ConfigDict(extra="ignore")

    audit_id: str = Field(description="Stable id of the audit entry (UUID)")
    aggregate_id: str = Field(
        description="The Kafka key: the academy's id when the change concerns one, else"
        " `<entity>:<entity_id>` (a parameter, a run)"
    )
    service: str = Field(description="The service that owns the changed state")
    recorded_at: datetime = Field(description="When the change was committed (UTC)")
    actor: Actor
    academy_id: str | None = Field(default=None, description="The academy concerned, if any")
    entity: str = Field(description="What kind of thing changed (academy, recognition, ...)")
    entity_id: str = Field(description="Which one")
    action: str = Field(description="What was done (registered, updated, decided, ...)")
    before: dict[str, Any] | None = Field(default=None, description="State before; null if new")
    after: dict[str, Any] | None = Field(default=None, description="State after; null if gone")
    reason: str | None = Field(default=None, description="Why, in the actor's words")
    note: str | None = Field(
        default=None, description="Anything else the request said (an ignored `author` field)"
    )


class RegistryChangeAudited(ChangeAudited):
    """A change in the registry: academies, organizer links, recognition, roles, reports."""


class SubsidyChangeAudited(ChangeAudited):
    """A change in the subsidy service: parameter overrides, calculation runs."""


class ActivitiesChangeAudited(ChangeAudited):
    """A change in the activities service: quarantine replays, parked outbox rows."""


EVENT_TYPES = [
    EventType(
        name="be.vlaio.stem.registry.change_audited.v1",
        topic=REGISTRY_AUDIT_TOPIC,
        payload=RegistryChangeAudited,
        subject_field="aggregate_id",
        description="A change in the registry, with its actor, before, after and reason.",
    ),
    EventType(
        name="be.vlaio.stem.subsidy.change_audited.v1",
        topic=SUBSIDY_AUDIT_TOPIC,
        payload=SubsidyChangeAudited,
        subject_field="aggregate_id",
        description="A change in the subsidy service, with its actor, before, after and reason.",
    ),
    EventType(
        name="be.vlaio.stem.activities.change_audited.v1",
        topic=ACTIVITIES_AUDIT_TOPIC,
        payload=ActivitiesChangeAudited,
        subject_field="aggregate_id",
        description="A change in the activities service, with its actor, before, after and reason.",
    ),
]

PAYLOAD_OF_SERVICE: dict[str, type[ChangeAudited]] = {
    "registry": RegistryChangeAudited,
    "subsidy": SubsidyChangeAudited,
    "activities": ActivitiesChangeAudited,
}
