"""The report's participant figures per academy (voluntary): the whole-year report, or the
sum of the quarters reported; the recognised academies that did not report come last."""

from __future__ import annotations

from collections.abc import Callable

from gateway.adapters.registry import CompletenessRead, ReportRead
from gateway.reporting.model import QUARTERS, AcademyParticipants, Participants


def participants_of(
    reports: list[ReportRead], completeness: CompletenessRead, name: Callable[[str], str]
) -> Participants:
    by_academy: dict[str, dict[int | None, ReportRead]] = {}
    for report in reports:
        by_academy.setdefault(report.academy_id, {})[report.quarter] = report
    rows = []
    for academy_id, periods in by_academy.items():
        whole = periods.get(None)
        quarters = tuple(periods[q].participants if q in periods else None for q in QUARTERS)
        given = [periods[q] for q in QUARTERS if q in periods]
        if whole is not None:
            total, under, over = whole.participants, whole.under_14, whole.from_14
        else:
            total = sum(r.participants for r in given)
            split = all(r.under_14 is not None and r.from_14 is not None for r in given)
            under = sum(r.under_14 or 0 for r in given) if split else None
            over = sum(r.from_14 or 0 for r in given) if split else None
        rows.append(
            AcademyParticipants(
                academy_id=academy_id,
                name=name(academy_id),
                participants=total,
                from_quarters=whole is None,
                quarters=(quarters[0], quarters[1], quarters[2], quarters[3]),
                under_14=under,
                from_14=over,
            )
        )
    silent = [
        AcademyParticipants(
            academy_id=a,
            name=name(a),
            participants=None,
            from_quarters=False,
            quarters=(None, None, None, None),
            under_14=None,
            from_14=None,
        )
        for a in completeness.not_reported
        if a not in by_academy
    ]
    ordered = sorted(rows, key=lambda r: (r.name, r.academy_id))
    ordered += sorted(silent, key=lambda r: (r.name, r.academy_id))
    return Participants(
        recognised=completeness.recognised,
        reported=completeness.reported,
        academies=tuple(ordered),
    )
