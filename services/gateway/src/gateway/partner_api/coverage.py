"""Partner reach questions: coverage of a year per province, and the municipalities not reached."""

from __future__ import annotations

import strawberry

from gateway.adapters import subsidy
from gateway.schema.context import Resolve


@strawberry.type(description="Municipalities reached in a province")
class ProvinceCoverage:
    province: str
    reached: int
    total: int
    reached_nis_codes: list[str]
    not_reached_nis_codes: list[str]


@strawberry.type(description="Municipalities reached by an academy in a year, of the total")
class Coverage:
    year: int
    reached: int
    total: int
    provinces: list[ProvinceCoverage]


@strawberry.type(description="An academy active that year, and how far it is")
class NearAcademy:
    academy_id: strawberry.ID
    name: str | None
    km: float = strawberry.field(description="Between the municipalities' centroids")


@strawberry.type(description="A municipality no academy reached that year")
class UncoveredMunicipality:
    nis_code: str
    name: str
    province: str
    nearest_academies: list[NearAcademy]


async def coverage(info: Resolve, year: int) -> Coverage | None:
    found = await subsidy.coverage(info.context.loaders.upstreams.subsidy, year)
    provinces = [
        ProvinceCoverage(
            province=p.province,
            reached=p.reached,
            total=p.total,
            reached_nis_codes=p.reached_nis_codes,
            not_reached_nis_codes=p.not_reached_nis_codes,
        )
        for p in found.provinces
    ]
    return Coverage(year=found.year, reached=found.reached, total=found.total, provinces=provinces)


async def uncovered(
    info: Resolve, year: int, province: str | None = None
) -> list[UncoveredMunicipality] | None:
    found = await subsidy.not_reached(info.context.loaders.upstreams.subsidy, year)
    return [
        UncoveredMunicipality(
            nis_code=m.nis_code,
            name=m.name,
            province=m.province,
            nearest_academies=[
                NearAcademy(academy_id=strawberry.ID(a.academy_id), name=a.name, km=a.km)
                for a in m.nearest_active_academies
            ],
        )
        for m in found
        if province is None or m.province == province
    ]
