"""The HTTP API's request and response bodies (not the event contracts, not the tables)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from registry.domain.academy import (
    NAME_MAX,
    Academy,
    check_nis_code,
    normalise_name,
)
from registry.domain.gazetteer import PostalAnswer
from registry.domain.municipality import Municipality
from stemkit.uit import normalise_organizer_id


def _real_name(raw: str) -> str:
    return normalise_name(raw, demo=False)


class AcademyIn(BaseModel):
    """A new academy. Organizer ids may be UUIDs in any case or UiTdatabank organizer URIs."""

    # Unknown fields are refused, so a misspelt field is an error, not silently dropped.
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=NAME_MAX), AfterValidator(_real_name)]
    uit_organizer_ids: list[Annotated[str, AfterValidator(normalise_organizer_id)]] = Field(
        default_factory=list, max_length=50, description="UiTdatabank organizer ids"
    )
    home_nis_code: Annotated[str, AfterValidator(check_nis_code)] | None = Field(
        default=None, description="NIS code (5 digits) of the home municipality"
    )


class AcademyOut(BaseModel):
    id: str
    name: str
    uit_organizer_ids: list[str] = Field(description="Normalised: lower case, sorted")
    home_nis_code: str | None
    demo: bool = Field(description="True for synthetic demo data")
    created_at: datetime

    @classmethod
    def of(cls, academy: Academy) -> AcademyOut:
        return cls(
            id=academy.id,
            name=academy.name,
            uit_organizer_ids=list(academy.uit_organizer_ids),
            home_nis_code=academy.home_nis_code,
            demo=academy.demo,
            created_at=academy.created_at,
        )


class MunicipalityOut(BaseModel):
    nis_code: str
    name_nl: str
    province_nl: str
    valid_from: date
    valid_to: date | None = Field(description="Last day valid; null while valid")
    merged_into_nis: str | None = Field(description="Successor after a merger")

    @classmethod
    def of(cls, m: Municipality) -> MunicipalityOut:
        return cls(
            nis_code=m.nis_code,
            name_nl=m.name_nl,
            province_nl=m.province_nl,
            valid_from=m.valid_from,
            valid_to=m.valid_to,
            merged_into_nis=m.merged_into_nis,
        )


class Conflict(BaseModel):
    detail: str
    taken: dict[str, str] = Field(description="organizer id -> the academy it belongs to")


class PostalAnswerOut(BaseModel):
    postal_code: str
    on: date
    municipality: MunicipalityOut | None = Field(description="Set when the answer is certain")
    candidates: list[MunicipalityOut] = Field(description="Where the postal code may lie")
    resolved_by: str | None = Field(
        default=None, description='"coordinates" or "locality" when they settled it'
    )
    note: str | None = None

    @classmethod
    def of(cls, answer: PostalAnswer) -> PostalAnswerOut:
        return cls(
            postal_code=answer.postal_code,
            on=answer.on,
            municipality=MunicipalityOut.of(answer.municipality) if answer.municipality else None,
            candidates=[MunicipalityOut.of(m) for m in answer.candidates],
            resolved_by=answer.resolved_by,
            note=answer.note,
        )
