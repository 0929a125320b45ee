"""Between the domain `Activity` and the published `ActivitySnapshot` contract.

The snapshot is what events carry, what the read API answers and what the `activities`
table stores, so all three always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.domain.model import Activity, Location, Occurrence
from stemkit.contracts import activities as contract


def to_snapshot(activity: Activity) -> contract.ActivitySnapshot:
    location = activity.location
    return contract.ActivitySnapshot(
        activity_id=activity.activity_id,
        name=activity.name,
        organizer_id=activity.organizer_id,
        academy_id=activity.academy_id,
        occurrences=[contract.Occurrence(start=o.start, end=o.end) for o in activity.occurrences],
        location=contract.Location(
            place_id=location.place_id,
            name=location.name,
            postal_code=location.postal_code,
            locality=location.locality,
            country=location.country,
            nis_code=location.nis_code,
        ),
        theme_ids=list(activity.theme_ids),
        status=activity.status,
        public=activity.public,
        modified=activity.modified,
    )


def from_snapshot(data: Mapping[str, Any]) -> Activity:
    snapshot = contract.ActivitySnapshot.model_validate(data)
    location = snapshot.location
    return Activity(
        activity_id=snapshot.activity_id,
        name=snapshot.name,
        modified=snapshot.modified,
        organizer_id=snapshot.organizer_id,
        academy_id=snapshot.academy_id,
        occurrences=tuple(Occurrence(start=o.start, end=o.end) for o in snapshot.occurrences),
        location=Location(
            place_id=location.place_id,
            name=location.name,
            postal_code=location.postal_code,
            locality=location.locality,
            country=location.country,
            nis_code=location.nis_code,
        ),
        theme_ids=tuple(snapshot.theme_ids),
        status=snapshot.status,
        public=snapshot.public,
    )
