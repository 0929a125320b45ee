"""Coverage reads for the evaluation questions (Q1): reached / total per province, not
reached with the nearest active academies, reached by which academies, newly reached and
dropped. Each counts the proofs its year's coverage rule counts (`coverage_basis`)."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters import registry_copy
from subsidy.domain.coverage import YearComparison, compare, coverage, reached_in
from subsidy.domain.reach import Proof
from subsidy.service_layer.unrecognised import CoverageBasis, coverage_basis


class ProvinceView(BaseModel):
    province: str
    reached: int
    total: int
    reached_nis_codes: list[str]
    not_reached_nis_codes: list[str]


class UnrecognisedView(BaseModel):
    """Reach of academies without a recognition in force on the session's date: shown to
    ops, counted apart, never paid (issue 15)."""

    activities: int
    academy_ids: list[str]
    nis_codes: list[str]  # municipalities these activities would reach
    only_these: list[str]  # of them, not reached by any recognised academy


class CoverageView(BaseModel):
    year: int
    reached: int
    total: int
    provinces: list[ProvinceView]
    academies_counted: str = Field(
        description="recognised: only academies recognised on the session's date; network: "
        "every academy of the network, as in 2019 (parameter stem/coverage/academies_counted)"
    )
    rule: str = Field(description="the parameter, its value, status and source")
    unrecognised: UnrecognisedView


class NearAcademy(BaseModel):
    academy_id: str
    name: str | None
    km: float


class NotReachedView(BaseModel):
    nis_code: str
    name: str
    province: str
    nearest_active_academies: list[NearAcademy]


class MunicipalityReachView(BaseModel):
    nis_code: str
    name: str
    province: str
    academy_ids: list[str]  # the academies that reached it that year; empty: not reached


def _rule_text(basis: CoverageBasis) -> str:
    """The coverage rules applied, each with its value, status and sources."""
    return "; ".join(
        f"{r.name} = {r.value} ({r.status}; sources {r.reference})"
        for r in (basis.rule, basis.traject_rule)
        if r is not None
    )


async def coverage_of(session: AsyncSession, year: int) -> CoverageView:
    gazetteer = await registry_copy.gazetteer(session)
    basis = await coverage_basis(session, year, apart=True)
    reached = reached_in(basis.proofs, year, gazetteer)
    apart_places = reached_in(basis.apart, year, gazetteer)
    recognised_places = reached_in(basis.proofs - basis.apart, year, gazetteer)
    provinces = [
        ProvinceView(
            province=p.province,
            reached=len(p.reached),
            total=p.total,
            reached_nis_codes=p.reached,
            not_reached_nis_codes=p.not_reached,
        )
        for p in coverage(reached, year, gazetteer)
    ]
    return CoverageView(
        year=year,
        reached=sum(p.reached for p in provinces),
        total=sum(p.total for p in provinces),
        provinces=provinces,
        academies_counted="network" if basis.network else "recognised",
        rule=_rule_text(basis),
        unrecognised=UnrecognisedView(
            activities=len({p.activity_id for p in basis.apart}),
            academy_ids=sorted({p.academy_id for p in basis.apart}),
            nis_codes=sorted(apart_places),
            only_these=sorted(apart_places - recognised_places),
        ),
    )


async def counted_proofs(session: AsyncSession, year: int) -> frozenset[Proof]:
    """The proofs the coverage figures of `year` count (its coverage rule decides)."""
    return (await coverage_basis(session, year)).proofs


async def not_reached(session: AsyncSession, year: int, nearest: int) -> list[NotReachedView]:
    gazetteer = await registry_copy.gazetteer(session)
    proofs = await counted_proofs(session, year)
    reached = reached_in(proofs, year, gazetteer)
    active: dict[str, set[str]] = defaultdict(set)  # academies with reach that year
    for proof in proofs:
        active[proof.academy_id].add(gazetteer.on_boundaries_of(proof.nis_code, year))
    names = await registry_copy.academy_names(session)
    out = []
    for m in gazetteer.of_year(year):
        if m.nis_code in reached:
            continue
        near = gazetteer.nearest(m.nis_code, active, nearest)
        out.append(
            NotReachedView(
                nis_code=m.nis_code,
                name=m.name,
                province=m.province,
                nearest_active_academies=[
                    NearAcademy(academy_id=a, name=names.get(a), km=km) for a, km in near
                ],
            )
        )
    return sorted(out, key=lambda v: (v.province, v.nis_code))


async def reached_by(
    session: AsyncSession, year: int, province: str | None
) -> list[MunicipalityReachView]:
    """Every municipality of `year` (optionally of one province) with the academies that
    reached it, on that year's boundaries (the same proofs as `coverage_of`)."""
    gazetteer = await registry_copy.gazetteer(session)
    by_place: dict[str, set[str]] = defaultdict(set)
    for proof in await counted_proofs(session, year):
        if proof.year == year:
            by_place[gazetteer.on_boundaries_of(proof.nis_code, year)].add(proof.academy_id)
    out = [
        MunicipalityReachView(
            nis_code=m.nis_code,
            name=m.name,
            province=m.province,
            academy_ids=sorted(by_place.get(m.nis_code, ())),
        )
        for m in gazetteer.of_year(year)
        if province is None or m.province == province
    ]
    return sorted(out, key=lambda v: (v.province, v.nis_code))


async def changes_between(
    session: AsyncSession, from_year: int, to_year: int, boundaries_of: int | None
) -> YearComparison:
    gazetteer = await registry_copy.gazetteer(session)
    earlier = reached_in(await counted_proofs(session, from_year), from_year, gazetteer)
    later = reached_in(await counted_proofs(session, to_year), to_year, gazetteer)
    return compare(earlier, later, (from_year, to_year), gazetteer, boundaries_of=boundaries_of)
