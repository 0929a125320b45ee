"""Events of the registry service: academies and the municipalities of Flanders through time."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from stemkit.eventing.catalog import EventType

ACADEMY_TOPIC = "stem.registry.academy.v1"
MUNICIPALITY_TOPIC = "stem.registry.municipality.v1"


class _Payload(BaseModel):
    # Readers ignore fields they do not know (tolerant reader), so adding an optional field
    # is a compatible change.
    model_config = ConfigDict(extra="ignore")


class FixedLocation(_Payload):
    """Where an academy works at its own site (the 2023 rules grant that site once)."""

    nis_code: str | None = Field(default=None, pattern=r"^\d{5}$")
    postal_code: str | None = Field(default=None, pattern=r"^\d{4}$")
    address: str | None = None


class AcademyProfile(_Payload):
    """The whole current state of an academy's registration (not a delta)."""

    academy_id: str = Field(description="Stable id of the academy (UUID)")
    name: str = Field(min_length=1, description="Name of the academy")
    uit_organizer_ids: list[str] = Field(
        default_factory=list,
        description="UiTdatabank organizer ids (lower case) of this academy",
    )
    home_nis_code: str | None = Field(
        default=None, pattern=r"^\d{5}$", description="NIS code of the home municipality"
    )
    demo: bool = Field(default=False, description="True for synthetic demo data, never real")
    enterprise_number: str | None = Field(
        default=None, pattern=r"^\d{10}$", description="KBO enterprise number, 10 digits"
    )
    website: str | None = None
    contact_email: str | None = None
    stem_partnership: str | None = Field(
        default=None, description="The regional STEM-partnership the academy belongs to"
    )
    fixed_location: FixedLocation | None = Field(
        default=None, description="Set when the academy works at a fixed site of its own"
    )


class AcademyRegistered(AcademyProfile):
    """A new STEM-academy was registered."""


class AcademyUpdated(AcademyProfile):
    """An academy's registration changed; carries the whole new state."""


RecognitionStatus = Literal[
    "requested",
    "provisionally_recognised",
    "recognised",
    "renewal_due",
    "under_review",
    "renewed",
    "suspended",
    "withdrawn",
    "expired",
]


class RecognitionDecided(_Payload):
    """A decision in an academy's recognition (erkenning) lifecycle."""

    academy_id: str
    decision_id: str = Field(description="Stable id of this decision")
    status: RecognitionStatus = Field(description="The status the decision put the academy in")
    decided_on: date = Field(description="Date of the decision")
    valid_from: date = Field(description="First day the status holds")
    valid_until: date | None = Field(
        default=None, description="Last day the status holds (recognition runs out); null if open"
    )
    reason: str = Field(description="Why, in the decider's words")
    author: str = Field(description="Who decided (VLAIO staff member or system)")


Role = Literal["gangmaker", "ontwikkelaar", "uitroller"]


class RoleAssigned(_Payload):
    """An academy holds a role (Gangmaker, Ontwikkelaar, Uitroller) in a year."""

    academy_id: str
    year: int = Field(ge=2019, le=2100)
    role: Role


class RoleRevoked(_Payload):
    """An academy no longer holds a role in a year."""

    academy_id: str
    year: int = Field(ge=2019, le=2100)
    role: Role


class ParticipantsReported(_Payload):
    """A voluntary participant count for a period; a correction supersedes an earlier one."""

    academy_id: str
    report_id: str
    year: int = Field(ge=2019, le=2100)
    quarter: int | None = Field(default=None, ge=1, le=4, description="Null for a whole year")
    participants: int = Field(ge=0)
    under_14: int | None = Field(default=None, ge=0)
    from_14: int | None = Field(default=None, ge=0, description="14 and over")
    supersedes: str | None = Field(default=None, description="report_id this one corrects")
    reported_on: date


class Centroid(_Payload):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class MunicipalityDefined(_Payload):
    """A Flemish municipality and its validity in time (reference data, compacted topic)."""

    nis_code: str = Field(pattern=r"^\d{5}$", description="NIS code (5 digits)")
    name_nl: str
    province_nl: str
    valid_from: date
    valid_to: date | None = Field(default=None, description="Last day valid; null while valid")
    merged_into_nis: str | None = Field(
        default=None, pattern=r"^\d{5}$", description="Successor after a merger"
    )
    postal_codes: list[str] = Field(
        default_factory=list, description="Postal codes (4 digits) that lie in this municipality"
    )
    centroid: Centroid | None = Field(
        default=None, description="A point inside the municipality (WGS84), for distances"
    )
    boundary: dict[str, Any] | None = Field(
        default=None,
        description=(
            "The municipality's boundary in its validity period: a GeoJSON geometry object"
            " (Polygon or MultiPolygon, RFC 7946, WGS84 longitude/latitude, 6 decimals)"
        ),
    )


EVENT_TYPES = [
    EventType(
        name="be.vlaio.stem.academy.registered.v1",
        topic=ACADEMY_TOPIC,
        payload=AcademyRegistered,
        subject_field="academy_id",
        description="An academy was registered in the registry.",
    ),
    EventType(
        name="be.vlaio.stem.academy.updated.v1",
        topic=ACADEMY_TOPIC,
        payload=AcademyUpdated,
        subject_field="academy_id",
        description="An academy's registration changed; the whole new state.",
    ),
    EventType(
        name="be.vlaio.stem.academy.recognition_decided.v1",
        topic=ACADEMY_TOPIC,
        payload=RecognitionDecided,
        subject_field="academy_id",
        description="A recognition (erkenning) decision, with its date, reason and author.",
    ),
    EventType(
        name="be.vlaio.stem.academy.role_assigned.v1",
        topic=ACADEMY_TOPIC,
        payload=RoleAssigned,
        subject_field="academy_id",
        description="An academy holds a role in a year.",
    ),
    EventType(
        name="be.vlaio.stem.academy.role_revoked.v1",
        topic=ACADEMY_TOPIC,
        payload=RoleRevoked,
        subject_field="academy_id",
        description="An academy no longer holds a role in a year.",
    ),
    EventType(
        name="be.vlaio.stem.academy.participants_reported.v1",
        topic=ACADEMY_TOPIC,
        payload=ParticipantsReported,
        subject_field="academy_id",
        description="A voluntary participant report (a correction supersedes an earlier one).",
    ),
    EventType(
        name="be.vlaio.stem.municipality.defined.v1",
        topic=MUNICIPALITY_TOPIC,
        payload=MunicipalityDefined,
        subject_field="nis_code",
        description="A municipality's reference data (latest state per NIS code).",
    ),
]
