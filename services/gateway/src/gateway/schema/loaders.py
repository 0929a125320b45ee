"""Per-request DataLoaders: every kind of record costs one upstream call per batch.

Built fresh for each GraphQL request (a loader caches its results, and a cache that
outlived the request would serve stale data and grow without bound). A failed batch
answers every key with the `UpstreamError`, which becomes an error on just those fields.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from strawberry.dataloader import DataLoader

from gateway.adapters import activities as activities_api
from gateway.adapters import registry as registry_api
from gateway.adapters import subsidy as subsidy_api
from gateway.adapters.activities import ActivityRead
from gateway.adapters.http import MAX_BATCH
from gateway.adapters.reference import AcademyCache, MunicipalityCache
from gateway.adapters.registry import AcademyRead, MunicipalityRead, StandingRead
from gateway.adapters.subsidy import ReachRead
from gateway.adapters.upstreams import UpstreamError, Upstreams

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


@dataclass(frozen=True)
class Loaders:
    upstreams: Upstreams  # for list reads, which are one call each and not batched
    activities: DataLoader[str, ActivityRead | None]
    academies: DataLoader[str, AcademyRead | None]
    reach: DataLoader[str, list[ReachRead]]
    municipalities: DataLoader[tuple[str, int], MunicipalityRead | None]  # (NIS code, year)
    reached: DataLoader[int, frozenset[str]]  # year -> NIS codes reached that year
    reached_by: DataLoader[int, dict[str, list[str]]]  # year -> NIS code -> academy ids
    # (academy id, day, year) -> recognition in force that day, roles of that year
    standings: DataLoader[tuple[str, date, int], StandingRead | None]


def make_loaders(
    upstreams: Upstreams,
    reference: MunicipalityCache | None = None,
    known_academies: AcademyCache | None = None,
) -> Loaders:
    reference = reference or MunicipalityCache(ttl=0)
    known_academies = known_academies or AcademyCache(ttl=0)

    async def academies_of(ids: Sequence[str]) -> dict[str, AcademyRead]:
        return await registry_api.academies_by_id(upstreams.registry, ids)

    async def year_of(year: int) -> list[MunicipalityRead]:
        return await registry_api.municipalities(upstreams.registry, year, None)

    async def activities(ids: list[str]) -> Sequence[ActivityRead | BaseException | None]:
        try:
            found = await activities_api.activities_by_id(upstreams.activities, ids)
        except UpstreamError as exc:
            return [exc] * len(ids)
        return [found.get(i.lower()) for i in ids]  # stored in lower case upstream

    async def academies(ids: list[str]) -> Sequence[AcademyRead | BaseException | None]:
        try:
            found = await known_academies.many(ids, academies_of)
        except UpstreamError as exc:
            return [exc] * len(ids)
        return [found.get(i) for i in ids]

    async def reach(academy_ids: list[str]) -> Sequence[list[ReachRead] | BaseException]:
        try:
            found = await subsidy_api.reach_by_academy(upstreams.subsidy, academy_ids)
        except UpstreamError as exc:
            return [exc] * len(academy_ids)
        return [found.get(a, []) for a in academy_ids]

    async def municipalities(
        keys: list[tuple[str, int]],
    ) -> Sequence[MunicipalityRead | BaseException | None]:
        # The registry lists a year's ~300 municipalities in one call: one call per year asked.
        by_year: dict[int, dict[str, MunicipalityRead] | UpstreamError] = {}
        for year in sorted({year for _, year in keys}):
            try:
                by_year[year] = await reference.year(year, year_of)
            except UpstreamError as exc:
                by_year[year] = exc
        answers: list[MunicipalityRead | BaseException | None] = []
        for nis_code, year in keys:
            known = by_year[year]
            answers.append(known if isinstance(known, UpstreamError) else known.get(nis_code))
        return answers

    async def reached(years: list[int]) -> Sequence[frozenset[str] | BaseException]:
        answers: list[frozenset[str] | BaseException] = []
        for year in years:  # one call per year asked: a query asks for one or two
            try:
                found = await subsidy_api.coverage(upstreams.subsidy, year)
            except UpstreamError as exc:
                answers.append(exc)
                continue
            answers.append(frozenset(c for p in found.provinces for c in p.reached_nis_codes))
        return answers

    async def reached_by(years: list[int]) -> Sequence[dict[str, list[str]] | BaseException]:
        answers: list[dict[str, list[str]] | BaseException] = []
        for year in years:  # one call per year asked
            try:
                answers.append(await subsidy_api.reached_by(upstreams.subsidy, year))
            except UpstreamError as exc:
                answers.append(exc)
        return answers

    async def standings(
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
                    read = await registry_api.standings(upstreams.registry, batch, day, year)
                except UpstreamError as exc:
                    found |= {(i, day, year): exc for i in batch}
                    continue
                found |= {(i, day, year): s for i, s in read.items()}
        return [found.get(key) for key in keys]

    return Loaders(
        upstreams=upstreams,
        activities=DataLoader(activities, max_batch_size=MAX_BATCH),
        academies=DataLoader(academies, max_batch_size=MAX_BATCH),
        reach=DataLoader(reach, max_batch_size=MAX_BATCH),
        municipalities=DataLoader(municipalities),
        reached=DataLoader(reached),
        reached_by=DataLoader(reached_by),
        standings=DataLoader(standings),
    )


def ready(loader: DataLoader[K, V | None], key: K) -> tuple[bool, V | None]:
    """(True, value) when the loader already holds the key's answer; a failure raises."""
    future = loader.cache_map.get(key)
    if future is None or not future.done():
        return False, None
    return True, future.result()


async def _later(pending: Awaitable[V | None], convert: Callable[[V], T]) -> T | None:
    found = await pending
    return None if found is None else convert(found)


async def prefetch(loader: DataLoader[K, V], keys: Iterable[K]) -> None:
    """Load a page's keys in one batch; failures stay in the loader, for each field."""
    await asyncio.gather(*(loader.load(key) for key in set(keys)), return_exceptions=True)
