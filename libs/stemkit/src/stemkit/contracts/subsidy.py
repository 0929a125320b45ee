"""Events of the subsidy service: which municipalities each academy reached per year."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from stemkit.events.catalog import EventType

REACH_TOPIC = "stem.subsidy.reach.v1"


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


EVENT_TYPES = [
    EventType(
        name="be.vlaio.stem.reach.changed.v1",
        topic=REACH_TOPIC,
        payload=ReachChanged,
        subject_field="academy_id",
        description="An academy's reach of one municipality in one year changed.",
    ),
]
