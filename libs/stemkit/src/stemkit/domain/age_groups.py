"""The evaluation's age groups of an activity (its UiTdatabank age range): one rule for the
subsidy service's spread and the activities service's calendar summary."""

from __future__ import annotations

UNDER_14 = "under_14"
FROM_14 = "14_and_over"
BOTH = "both"
UNKNOWN = "unknown"


def age_group(age_min: int | None, age_max: int | None) -> str:
    """under_14, 14_and_over, both (the range spans 14) or unknown (no range given)."""
    if age_min is None and age_max is None:
        return UNKNOWN
    if age_max is not None and age_max < 14:
        return UNDER_14
    if age_min is not None and age_min >= 14:
        return FROM_14
    return BOTH
