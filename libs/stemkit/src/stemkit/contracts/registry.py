"""Events of the registry service: academies and the municipalities of Flanders through time."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from stemkit.events.catalog import EventType

ACADEMY_TOPIC = "stem.registry.academy.v1"
MUNICIPALITY_TOPIC = "stem.registry.municipality.v1"


class _Payload(BaseModel):
    # Readers ignore fields they do not know (tolerant reader), so adding an optional field
    # is a compatible change.
    model_config = ConfigDict(extra="ignore")


class AcademyRegistered(_Payload):
    """A new STEM-academy was registered."""

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


EVENT_TYPES = [
    EventType(
        name="be.vlaio.stem.academy.registered.v1",
        topic=ACADEMY_TOPIC,
        payload=AcademyRegistered,
        subject_field="academy_id",
        description="An academy was registered in the registry.",
    ),
    EventType(
        name="be.vlaio.stem.municipality.defined.v1",
        topic=MUNICIPALITY_TOPIC,
        payload=MunicipalityDefined,
        subject_field="nis_code",
        description="A municipality's reference data (latest state per NIS code).",
    ),
]
