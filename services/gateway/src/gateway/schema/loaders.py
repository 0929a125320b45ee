"""Per-request DataLoaders: every kind of record costs one upstream call per batch.

Built fresh for each GraphQL request (a loader caches its results, and a cache that
outlived the request would serve stale data and grow without bound). A failed batch
answers every key with the `UpstreamError`, which becomes an error on just those fields.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from strawberry.dataloader import DataLoader

from gateway.adapters.activities import ActivityRead
from gateway.adapters.http import MAX_BATCH
from gateway.adapters.reference import AcademyCache, MunicipalityCache
from gateway.adapters.registry import AcademyRead, MunicipalityRead, StandingRead
from gateway.adapters.subsidy import ReachRead
from gateway.adapters.upstreams import Upstreams
from gateway.schema.batches import Batches

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
    batches = Batches(
        upstreams, reference or MunicipalityCache(ttl=0), known_academies or AcademyCache(ttl=0)
    )
    return Loaders(
        upstreams=upstreams,
        activities=DataLoader(batches.activities, max_batch_size=MAX_BATCH),
        academies=DataLoader(batches.academies, max_batch_size=MAX_BATCH),
        reach=DataLoader(batches.reach, max_batch_size=MAX_BATCH),
        municipalities=DataLoader(batches.municipalities),
        reached=DataLoader(batches.reached),
        reached_by=DataLoader(batches.reached_by),
        standings=DataLoader(batches.standings),
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
