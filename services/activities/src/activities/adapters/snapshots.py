"""Between the domain `Activity` and the published `ActivitySnapshot` contract.

The snapshot is what events carry, what the read API answers and what the `activities`
table stores, so all three always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from activities.domain.model import Activity, Location, MunicipalityPeriod, Occurrence
from stemkit.contracts import activities as contract


def _flat(item: Occurrence | Location | MunicipalityPeriod) -> dict[str, Any]:
    # What `dataclasses.asdict` gives for these flat dataclasses, without its deep copies
    # (docs/performance-notes.md, activities).
    return {f.name: getattr(item, f.name) for f in fields(item)}


def to_snapshot(activity: Activity) -> contract.ActivitySnapshot:
    return contract.ActivitySnapshot(
        activity_id=activity.activity_id,
        name=activity.name,
        organizer_id=activity.organizer_id,
        academy_id=activity.academy_id,
        occurrences=[contract.Occurrence(**_flat(o)) for o in activity.occurrences],
        calendar=None if activity.calendar is None else contract.Calendar.of(activity.calendar),
        location=contract.Location(
            **{
                **_flat(activity.location),
                "periods": [
                    contract.MunicipalityPeriod(**_flat(p)) for p in activity.location.periods
                ],
            }
        ),
        theme_ids=list(activity.theme_ids),
        type_ids=list(activity.type_ids),
        status=activity.status,
        public=activity.public,
        age_min=activity.age_min,
        age_max=activity.age_max,
        audience=activity.audience,
        labels=list(activity.labels),
        workflow_status=activity.workflow_status,
        available_from=activity.available_from,
        available_to=activity.available_to,
        modified=activity.modified,
        details=activity.details,
    )


def from_snapshot(data: Mapping[str, Any]) -> Activity:
    snapshot = contract.ActivitySnapshot.model_validate(data)
    location = snapshot.location.model_dump()
    location["kind"] = location["kind"] or "none"
    location["periods"] = tuple(MunicipalityPeriod(**p) for p in location["periods"])
    return Activity(
        activity_id=snapshot.activity_id,
        name=snapshot.name,
        modified=snapshot.modified,
        organizer_id=snapshot.organizer_id,
        academy_id=snapshot.academy_id,
        occurrences=tuple(Occurrence(**o.model_dump()) for o in snapshot.occurrences),
        calendar=None if snapshot.calendar is None else snapshot.calendar.rules(),
        location=Location(**location),
        theme_ids=tuple(snapshot.theme_ids),
        type_ids=tuple(snapshot.type_ids or ()),
        status=snapshot.status,
        public=snapshot.public,
        age_min=snapshot.age_min,
        age_max=snapshot.age_max,
        audience=snapshot.audience,
        labels=tuple(snapshot.labels),
        workflow_status=snapshot.workflow_status,
        available_from=snapshot.available_from,
        available_to=snapshot.available_to,
        details=snapshot.details,
    )
