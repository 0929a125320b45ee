"""The batch reads behind the per-request loaders (loaders.py): one upstream call per batch
of keys; a failed call answers each of its keys with the `UpstreamError`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from gateway.adapters import activities as activities_api
from gateway.adapters import registry as registry_api
from gateway.adapters import subsidy as subsidy_api
from gateway.adapters.activities import ActivityRead
from gateway.adapters.http import MAX_BATCH
from gateway.adapters.reference import AcademyCache, MunicipalityCache
from gateway.adapters.registry import AcademyRead, MunicipalityRead, StandingRead
from gateway.adapters.subsidy import ReachRead
from gateway.adapters.upstreams import UpstreamError, Upstreams


class Batches:
    """One request's batch functions; `reference` and `known_academies` are the process's
    caches of municipalities and academies."""

    def __init__(
        self, upstreams: Upstreams, reference: MunicipalityCache, known_academies: AcademyCache
    ) -> None:
        self.upstreams = upstreams
        self.reference = reference
        self.known_academies = known_academies

    async def academies_of(self, ids: Sequence[str]) -> dict[str, AcademyRead]:
        return await registry_api.academies_by_id(self.upstreams.registry, ids)

    async def year_of(self, year: int) -> list[MunicipalityRead]:
        return await registry_api.municipalities(self.upstreams.registry, year, None)

    async def activities(self, ids: list[str]) -> Sequence[ActivityRead | BaseException | None]:
        try:
            found = await activities_api.activities_by_id(self.upstreams.activities, ids)
        except UpstreamError as exc:
            return [exc] * len(ids)
        return [found.get(i.lower()) for i in ids]  # stored in lower case upstream

    async def academies(self, ids: list[str]) -> Sequence[AcademyRead | BaseException | None]:
        try:
            found = await self.known_academies.many(ids, self.academies_of)
        except UpstreamError as exc:
            return [exc] * len(ids)
        return [found.get(i) for i in ids]

    async def reach(self, academy_ids: list[str]) -> Sequence[list[ReachRead] | BaseException]:
        try:
            found = await subsidy_api.reach_by_academy(self.upstreams.subsidy, academy_ids)
        except UpstreamError as exc:
            return [exc] * len(academy_ids)
        return [found.get(a, []) for a in academy_ids]

    async def municipalities(
        self,
        keys: list[tuple[str, int]],
    ) -> Sequence[MunicipalityRead | BaseException | None]:
        # The registry lists a year's ~300 municipalities in one call: one call per year asked.
        by_year: dict[int, dict[str, MunicipalityRead] | UpstreamError] = {}
        for year in sorted({year for _, year in keys}):
            try:
                by_year[year] = await self.reference.year(year, self.year_of)
            except UpstreamError as exc:
                by_year[year] = exc
        answers: list[MunicipalityRead | BaseException | None] = []
        for nis_code, year in keys:
            known = by_year[year]
            answers.append(known if isinstance(known, UpstreamError) else known.get(nis_code))
        return answers

    async def reached(self, years: list[int]) -> Sequence[frozenset[str] | BaseException]:
        answers: list[frozenset[str] | BaseException] = []
        for year in years:  # one call per year asked: a query asks for one or two
            try:
                found = await subsidy_api.coverage(self.upstreams.subsidy, year)
            except UpstreamError as exc:
                answers.append(exc)
                continue
            answers.append(frozenset(c for p in found.provinces for c in p.reached_nis_codes))
        return answers

    async def reached_by(self, years: list[int]) -> Sequence[dict[str, list[str]] | BaseException]:
        answers: list[dict[str, list[str]] | BaseException] = []
        for year in years:  # one call per year asked
            try:
                answers.append(await subsidy_api.reached_by(self.upstreams.subsidy, year))
            except UpstreamError as exc:
                answers.append(exc)
        return answers

    async def standings(
        self,
        keys: list[tuple[str, date, int]],
    ) -> Sequence[StandingRead | BaseException | None]:
        # One registry call per (day, year) asked and batch of 100 academies.
        groups: dict[tuple[date, int], list[str]] = defaultdict(list)
        for academy_id, day, year in keys:
            groups[(day, year)].append(academy_id)
        found: dict[tuple[str, date, int], StandingRead | BaseException] = {}
        for (day, year), ids in groups.items():
            unique = list(dict.fromkeys(ids))
            for start in range(0, len(unique), MAX_BATCH):
                batch = unique[start : start + MAX_BATCH]
                try:
                    read = await registry_api.standings(self.upstreams.registry, batch, day, year)
                except UpstreamError as exc:
                    found |= {(i, day, year): exc for i in batch}
                    continue
                found |= {(i, day, year): s for i, s in read.items()}
        return [found.get(key) for key in keys]
