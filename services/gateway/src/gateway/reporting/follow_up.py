"""The report's follow-up of municipalities not reached (Q2b/c): what ops recorded in the
registry, kept for the municipalities the year's reach leaves out."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.adapters.registry import FollowUpRead
from gateway.reporting.model import FollowUp, Reach


def follow_ups_of(reach: Reach, recorded: Iterable[FollowUpRead]) -> tuple[FollowUp, ...]:
    """The recorded follow-ups of the municipalities not reached, in the report's order
    (province, then name). One recorded for a municipality that is reached is left out:
    the question asks about the others."""
    by_code = {f.nis_code: f for f in recorded}
    found = []
    for province in reach.provinces:
        for place in province.not_reached:
            f = by_code.get(place.nis_code)
            if f is not None:
                found.append(
                    FollowUp(
                        nis_code=place.nis_code,
                        name=place.name,
                        province=province.province,
                        reason=f.reason,
                        explanation=f.explanation,
                        initiative=f.initiative,
                        no_initiative_reason=f.no_initiative_reason,
                        author=f.author,
                        recorded_on=f.recorded_at.date(),
                    )
                )
    return tuple(found)
