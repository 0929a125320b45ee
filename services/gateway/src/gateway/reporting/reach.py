"""The report's reach: per province the municipalities reached and those not reached, with
the academies active nearby, on the boundaries of the report's year; and which academies the
figures count (issue 15)."""

from __future__ import annotations

from collections.abc import Callable

from gateway.adapters.registry import MunicipalityRead
from gateway.adapters.subsidy import CoverageRead, NotReachedRead
from gateway.reporting.model import NearAcademy, NotReached, Place, ProvinceReach, Reach


def place(nis_code: str, places: dict[str, MunicipalityRead]) -> Place:
    found = places.get(nis_code)
    return Place(nis_code=nis_code, name=found.name_nl if found else nis_code)


def reach_of(
    coverage: CoverageRead,
    not_reached: list[NotReachedRead],
    places: dict[str, MunicipalityRead],
    name: Callable[[str], str],
) -> Reach:
    missing = {m.nis_code: m for m in not_reached}
    provinces = []
    for p in sorted(coverage.provinces, key=lambda p: p.province):
        reached = sorted((place(n, places) for n in p.reached_nis_codes), key=by_name)
        lacking = []
        for nis_code in p.not_reached_nis_codes:
            known = missing.get(nis_code)
            near = () if known is None else known.nearest_active_academies
            lacking.append(
                NotReached(
                    nis_code=nis_code,
                    name=known.name if known else place(nis_code, places).name,
                    nearest=tuple(
                        NearAcademy(
                            academy_id=a.academy_id, name=a.name or name(a.academy_id), km=a.km
                        )
                        for a in near
                    ),
                )
            )
        provinces.append(
            ProvinceReach(
                province=p.province,
                reached=tuple(reached),
                not_reached=tuple(sorted(lacking, key=by_name)),
            )
        )
    apart = coverage.unrecognised
    return Reach(
        provinces=tuple(provinces),
        counted=_counted(coverage),
        unrecognised_activities=apart.activities,
        unrecognised_academies=len(apart.academy_ids),
        only_unrecognised=tuple(sorted((place(n, places) for n in apart.only_these), key=by_name)),
    )


def _counted(coverage: CoverageRead) -> str:
    """Which academies the year's figures count, and the rule that says so (issue 15)."""
    who = (
        "every academy of the STEM-academie network, recognised or not (as in 2019, before "
        "the new recognition)"
        if coverage.academies_counted == "network"
        else "the academies recognised on the date of each session"
    )
    return f"Counted: {who}; rule {coverage.rule}." if coverage.rule else f"Counted: {who}."


def by_name(place: Place | NotReached) -> tuple[str, str]:
    return (place.name, place.nis_code)
