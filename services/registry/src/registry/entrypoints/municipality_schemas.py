"""Response bodies of the municipalities and the reference-data lookups (by NIS code,
postal code, point; the boundaries of a year)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from registry.domain.gazetteer import PostalAnswer
from registry.domain.municipality import Municipality


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


class BoundaryPropertiesOut(BaseModel):
    nis_code: str
    name_nl: str
    province_nl: str


class BoundaryFeatureOut(BaseModel):
    type: str = Field(description='"Feature"')
    properties: BoundaryPropertiesOut
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, WGS84")


class BoundariesOut(BaseModel):
    """A year's municipality boundaries for a map (GeoJSON FeatureCollection)."""

    type: str = Field(description='"FeatureCollection"')
    year: int
    features: list[BoundaryFeatureOut]


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
