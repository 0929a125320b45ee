"""Request and response bodies of recognition, roles and participant reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from registry.domain.recognition import AUTHOR_MAX, REASON_MAX, Decision, Status
from stemkit.contracts.registry import Role


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status = Field(description="The status the decision puts the academy in")
    decided_on: date
    valid_from: date | None = Field(default=None, description="Default: the decision date")
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX)]
    author: Annotated[str, Field(min_length=1, max_length=AUTHOR_MAX)] = Field(
        description="Who decided (VLAIO staff member)"
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
