"""Events of the subsidy service: reach per academy and year, and subsidy calculations."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stemkit.eventing.catalog import EventType

REACH_TOPIC = "stem.subsidy.reach.v1"
CALCULATION_TOPIC = "stem.subsidy.calculation.v1"

EUROS = r"^\d+\.\d{2}$"


class ReachChanged(BaseModel):
    """Whether an academy reached a municipality in a year changed."""

    model_config = ConfigDict(extra="ignore")

    academy_id: str
    year: int = Field(ge=2000, le=2100)
    nis_code: str = Field(pattern=r"^\d{5}$", description="NIS code valid in that year")
    reached: bool
    activity_ids: list[str] = Field(
        default_factory=list, description="Activities that prove the reach"
    )
    postal_codes: list[str] = Field(
        default_factory=list,
        description="Postal codes reached in that municipality (the unit paid from 2023)",
    )


class AcademySubsidy(BaseModel):
    """What one academy gets from one call in a calculation."""

    model_config = ConfigDict(extra="ignore")

    academy_id: str
    call_id: str = Field(description="The call, e.g. uitrollers_2023")
    role: str = Field(description="uitroller, gangmaker, ontwikkelaar, or academie before 2023")
    claimed_eur: str = Field(pattern=EUROS, description="Before the budget allocation")
    paid_eur: str = Field(pattern=EUROS, description="After the budget allocation")
    units: int = Field(ge=0, description="Postal codes, municipalities or 1 (academy) paid for")


class SubsidyCalculated(BaseModel):
    """A calculation run was stored (immutable); its explanation is at the subsidy API."""

    model_config = ConfigDict(extra="ignore")

    run_id: str
    year: int = Field(ge=2000, le=2100)
    trigger: Literal["api", "debounced"]
    rules_version: str = Field(description="Formula code version + hash of the parameter files")
    watermark: str = Field(description="The input state the run saw")
    allocation: str = Field(description="Budget allocation rule, e.g. pro_rata")
    illustrative: bool = Field(description="True when an illustrative (demo) value was used")
    total_eur: str = Field(pattern=EUROS)
    subsidies: list[AcademySubsidy] = Field(default_factory=list)
    skipped_calls: list[str] = Field(
        default_factory=list, description="Calls not calculated: they need unknown parameters"
    )


EVENT_TYPES = [
    EventType(
        name="be.vlaio.stem.reach.changed.v1",
        topic=REACH_TOPIC,
        payload=ReachChanged,
        subject_field="academy_id",
        description="An academy's reach of one municipality in one year changed.",
    ),
    EventType(
        name="be.vlaio.stem.subsidy.calculated.v1",
        topic=CALCULATION_TOPIC,
        payload=SubsidyCalculated,
        subject_field="year",
        description="A subsidy calculation run for a year was stored.",
    ),
]
