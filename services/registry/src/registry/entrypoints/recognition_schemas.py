"""Request and response bodies of recognition, roles and participant reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from registry.domain.participants import MAX_PARTICIPANTS, Completeness, Report
from registry.domain.recognition import AUTHOR_MAX, REASON_MAX, Decision, Status
from stemkit.contracts.registry import Role


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status = Field(description="The status the decision puts the academy in")
    decided_on: date
    valid_from: date | None = Field(default=None, description="Default: the decision date")
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX)]
    author: Annotated[str | None, Field(min_length=1, max_length=AUTHOR_MAX)] = Field(
        default=None,
        description="Ignored (kept for older clients): the decision's author is the signed-in"
        " person of the access token; a value given here is kept in the audit trail as a note",
    )


class DecisionOut(BaseModel):
    decision_id: str
    academy_id: str
    sequence: int
    status: Status
    decided_on: date
    valid_from: date
    valid_until: date | None = Field(description="Last day; null when open-ended")
    reason: str
    author: str

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(**vars(decision))


class RecognitionOut(BaseModel):
    academy_id: str
    current: DecisionOut | None = Field(description="The newest decision; null if none")
    allowed_next: list[Status] = Field(description="Statuses a next decision may set")
    history: list[DecisionOut] = Field(description="Every decision, oldest first")


class Refused(BaseModel):
    detail: str
    current: Status | None
    allowed: list[Status]


class RoleOut(BaseModel):
    year: int
    role: Role


class RolesOut(BaseModel):
    academy_id: str
    roles: list[RoleOut]

    @classmethod
    def of(cls, academy_id: str, roles: list[tuple[int, str]]) -> RolesOut:
        return cls(
            academy_id=academy_id,
            roles=[RoleOut.model_validate({"year": y, "role": r}) for y, r in roles],
        )


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2019, le=2100)
    quarter: int | None = Field(default=None, ge=1, le=4, description="Null: the whole year")
    participants: int = Field(ge=0, le=MAX_PARTICIPANTS)
    under_14: int | None = Field(default=None, ge=0, le=MAX_PARTICIPANTS)
    from_14: int | None = Field(default=None, ge=0, le=MAX_PARTICIPANTS, description="14+")
    reported_on: date | None = Field(default=None, description="Default: today")


class ReportOut(BaseModel):
    report_id: str
    academy_id: str
    year: int
    quarter: int | None
    participants: int
    under_14: int | None
    from_14: int | None
    reported_on: date
    supersedes: str | None = Field(description="The report this one corrects")
    superseded_by: str | None = Field(description="Set once a correction replaced this one")

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        return cls(**vars(report))


class CompletenessOut(BaseModel):
    year: int
    recognised: int = Field(description="Academies recognised on at least one day of the year")
    reported: int = Field(description="Of those, how many reported participants for the year")
    share: float | None = Field(description="reported / recognised; null without any")
    not_reported: list[str] = Field(description="Ids of the recognised ones that did not")

    @classmethod
    def of(cls, found: Completeness) -> CompletenessOut:
        return cls(
            year=found.year,
            recognised=found.recognised,
            reported=found.reported,
            share=found.share,
            not_reported=list(found.not_reported),
        )
