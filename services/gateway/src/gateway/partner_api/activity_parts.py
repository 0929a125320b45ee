"""The plain parts of an `types.Activity` as partners see them: its status, occurrences and
location."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry


@strawberry.enum(description="Whether an activity takes place as planned")
class ActivityStatus(Enum):
    AVAILABLE = "available"
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
    UNAVAILABLE = "unavailable"


# By value, without Enum's own lookup (`EnumType.__call__`, once per row of a page).
STATUSES = {status.value: status for status in ActivityStatus}


@strawberry.type
class Occurrence:
    start: datetime
    end: datetime | None


@strawberry.type
class Location:
    name: str | None
    postal_code: str | None
    locality: str | None
    nis_code: str | None = strawberry.field(description="NIS code of the municipality")
    street_address: str | None = strawberry.field(default=None, description="Street and number")
    country: str | None = strawberry.field(default=None, description="ISO 3166 alpha-2")
    latitude: float | None = None
    longitude: float | None = None
    online: bool = strawberry.field(
        default=False, description="Online only: UiTdatabank's nil location, no address"
    )
