"""The HTTP API's shared request and response bodies and answers: academies, `Reason`, the
401/404 answers (the municipalities' bodies: `municipality_schemas.py`; not the event
contracts, not the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from registry.domain.academy import NAME_MAX, Academy, normalise_name
from registry.domain.profile import (
    RawProfile,
    check_email,
    check_nis_code,
    check_partnership,
    check_postal_code,
    check_website,
    normalise_enterprise_number,
    raw_profile,
)
from stemkit.domain.uit import normalise_organizer_id


def _real_name(raw: str) -> str:
    return normalise_name(raw, demo=False)


Name = Annotated[str, Field(max_length=NAME_MAX), AfterValidator(_real_name)]
OrganizerIds = list[Annotated[str, AfterValidator(normalise_organizer_id)]]
NisCode = Annotated[str, AfterValidator(check_nis_code)]
EnterpriseNumber = Annotated[
    str,
    AfterValidator(normalise_enterprise_number),
    Field(description="KBO enterprise number; dots, spaces and a BE prefix are allowed"),
]
Website = Annotated[str, AfterValidator(check_website)]
Email = Annotated[str, AfterValidator(check_email)]
Partnership = Annotated[str, AfterValidator(check_partnership)]


Responses = dict[int | str, dict[str, Any]]
UNAUTHORISED: Responses = {401: {"description": "No valid ops bearer token"}}
NOT_FOUND: Responses = {404: {"description": "No such academy"}}

# Why a change was made, in the actor's words: kept in the audit trail (issue 21).
Reason = Annotated[
    str | None, Query(max_length=2000, description="Why: kept in the audit trail with the change")
]


class FixedLocationIn(BaseModel):
    """The academy works at a fixed site of its own; where, as far as known."""

    model_config = ConfigDict(extra="forbid")

    nis_code: NisCode | None = None
    postal_code: Annotated[str, AfterValidator(check_postal_code)] | None = None
    address: Annotated[str, Field(max_length=300)] | None = None


class _Strict(BaseModel):
    # Unknown fields are refused, so a misspelt field is an error, not silently dropped.
    model_config = ConfigDict(extra="forbid")


class AcademyIn(_Strict):
    """A new academy. Organizer ids may be UUIDs in any case or UiTdatabank organizer URIs."""

    # Before the name: the name's check reads it.
    demo: bool = Field(
        default=False,
        description="Synthetic demo data (make run, tests: tools/flanders): its name must start "
        "with '[DEMO] ' and only a demo academy's may; refused in production",
    )
    name: Annotated[str, Field(max_length=NAME_MAX)]
    uit_organizer_ids: OrganizerIds = Field(
        default_factory=list, max_length=50, description="UiTdatabank organizer ids"
    )
    home_nis_code: NisCode | None = Field(
        default=None, description="NIS code (5 digits) of the home municipality"
    )
    enterprise_number: EnterpriseNumber | None = None
    website: Website | None = None
    contact_email: Email | None = None
    stem_partnership: Partnership | None = None
    fixed_location: FixedLocationIn | None = Field(
        default=None, description="Set when the academy works at a fixed site of its own"
    )

    @field_validator("name")
    @classmethod
    def _name_says_what_it_is(cls, name: str, info: ValidationInfo) -> str:
        # Demo data must never pass for a real academy, nor a real one for demo data.
        return normalise_name(name, demo=bool(info.data.get("demo", False)))

    def raw_profile(self) -> RawProfile:
        return raw_profile(self, self.fixed_location)


class AcademyPatch(_Strict):
    """The fields to change; a field left out stays as it is, null clears it."""

    name: Name | None = None
    uit_organizer_ids: OrganizerIds | None = Field(default=None, max_length=50)
    home_nis_code: NisCode | None = None
    enterprise_number: EnterpriseNumber | None = None
    website: Website | None = None
    contact_email: Email | None = None
    stem_partnership: Partnership | None = None
    fixed_location: FixedLocationIn | None = Field(
        default=None, description="null: the academy has no fixed site"
    )

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        if given.get("name", "") is None:
            given.pop("name")  # a name cannot be cleared
        if given.get("uit_organizer_ids", "") is None:
            given["uit_organizer_ids"] = []
        return given


class FixedLocationOut(BaseModel):
    nis_code: str | None
    postal_code: str | None
    address: str | None


class AcademyOut(BaseModel):
    id: str
    name: str
    uit_organizer_ids: list[str] = Field(description="Normalised: lower case, sorted")
    home_nis_code: str | None
    demo: bool = Field(description="True for synthetic demo data")
    created_at: datetime
    updated_at: datetime | None = None
    enterprise_number: str | None = None
    website: str | None = None
    contact_email: str | None = None
    stem_partnership: str | None = None
    fixed_location: FixedLocationOut | None = None

    @classmethod
    def of(cls, academy: Academy) -> AcademyOut:
        profile, site = academy.profile, academy.profile.fixed_site
        return cls(
            id=academy.id,
            name=academy.name,
            uit_organizer_ids=list(academy.uit_organizer_ids),
            home_nis_code=academy.home_nis_code,
            demo=academy.demo,
            created_at=academy.created_at,
            updated_at=academy.updated_at,
            enterprise_number=profile.enterprise_number,
            website=profile.website,
            contact_email=profile.contact_email,
            stem_partnership=profile.stem_partnership,
            fixed_location=FixedLocationOut(**vars(site)) if site else None,
        )


class Conflict(BaseModel):
    detail: str
    taken: dict[str, str] = Field(description="organizer id -> the academy it belongs to")
