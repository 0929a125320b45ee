"""Events of the activities service: the STEM-kalender built from UiTdatabank."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stemkit.events.catalog import EventType

ACTIVITY_TOPIC = "stem.activities.activity.v1"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Occurrence(_Payload):
    start: datetime = Field(description="Start, with offset")
    end: datetime | None = Field(default=None, description="End, with offset")
    status: Literal["available", "temporarily_unavailable", "unavailable"] | None = Field(
        default=None, description="This occurrence's own status, when UiTdatabank gives one"
    )
    nis_code: str | None = Field(
        default=None,
        pattern=r"^\d{5}$",
        description="Municipality as of this occurrence's date, when it differs in time",
    )


class Location(_Payload):
    place_id: str | None = Field(default=None, description="UiTdatabank place id (lower case)")
    name: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    country: str | None = Field(default=None, description="ISO 3166 alpha-2")
    nis_code: str | None = Field(
        default=None, pattern=r"^\d{5}$", description="Municipality, when resolved"
    )
    kind: Literal["place", "online", "school", "dummy", "none"] | None = Field(
        default=None,
        description="place: a UiTdatabank place; online: the nil location; school: "
        "'in consultation with the school'; dummy: an address without a place id; none",
    )
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    unresolved_reason: str | None = Field(
        default=None, description="Why no municipality could be resolved, when none was"
    )


class ActivitySnapshot(_Payload):
    """What consumers need of an activity: the whole current state, not a delta."""

    activity_id: str = Field(description="UiTdatabank event id (lower-case UUID)")
    name: str
    organizer_id: str | None = Field(default=None, description="UiTdatabank organizer id")
    academy_id: str | None = Field(
        default=None, description="Academy, when the organizer is linked"
    )
    occurrences: list[Occurrence] = Field(default_factory=list)
    location: Location
    theme_ids: list[str] = Field(default_factory=list, description="UiTdatabank theme term ids")
    status: Literal["available", "temporarily_unavailable", "unavailable"] = "available"
    public: bool = Field(default=True, description="Shown on the STEM-kalender")
    age_min: int | None = Field(default=None, ge=0, description="Youngest age (typicalAgeRange)")
    age_max: int | None = Field(default=None, ge=0, description="Oldest age; null if open ended")
    audience: Literal["everyone", "members", "education"] | None = None
    type_ids: list[str] | None = Field(default=None, description="UiTdatabank eventtype term ids")
    workflow_status: str | None = Field(
        default=None, description="UiTdatabank workflowStatus as read (DRAFT, APPROVED, ...)"
    )
    available_from: datetime | None = Field(default=None, description="Shown from (UiT rule)")
    available_to: datetime | None = Field(
        default=None, description="Shown until (UiT rule: start for courses and camps)"
    )
    modified: datetime = Field(description="UiTdatabank `modified` of the source document")


class ActivityPublished(ActivitySnapshot):
    """An activity appeared on the STEM-kalender."""


class ActivityUpdated(ActivitySnapshot):
    """An activity on the STEM-kalender changed."""


class ActivityWithdrawn(_Payload):
    """An activity left the STEM-kalender (deleted, rejected, or no longer STEM)."""

    activity_id: str
    reason: str
    modified: datetime


EVENT_TYPES = [
    EventType(
        name="be.vlaio.stem.activity.published.v1",
        topic=ACTIVITY_TOPIC,
        payload=ActivityPublished,
        subject_field="activity_id",
        description="An activity appeared on the STEM-kalender.",
    ),
    EventType(
        name="be.vlaio.stem.activity.updated.v1",
        topic=ACTIVITY_TOPIC,
        payload=ActivityUpdated,
        subject_field="activity_id",
        description="An activity on the STEM-kalender changed; carries the whole new state.",
    ),
    EventType(
        name="be.vlaio.stem.activity.withdrawn.v1",
        topic=ACTIVITY_TOPIC,
        payload=ActivityWithdrawn,
        subject_field="activity_id",
        description="An activity left the STEM-kalender.",
    ),
]
