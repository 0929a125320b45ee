"""An academy's standing as partners see it: its recognition in force on a day, its roles in a
year, and the municipalities it reached (fields of `types.Academy`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Protocol
from zoneinfo import ZoneInfo

import strawberry

from gateway.adapters.subsidy import ReachRead
from gateway.schema.context import Resolve

BRUSSELS = ZoneInfo("Europe/Brussels")


class _Academy(Protocol):
    """What these resolvers read of their `types.Academy`."""

    @property
    def id(self) -> str: ...


@strawberry.type(description="A municipality an academy reached in a year")
class Reach:
    year: int
    nis_code: str = strawberry.field(description="NIS code of the municipality in that year")
    activity_ids: list[strawberry.ID] = strawberry.field(
        description="The activities that prove the reach"
    )

    @classmethod
    def of(cls, read: ReachRead) -> Reach:
        ids = [strawberry.ID(i) for i in read.activity_ids]
        return cls(year=read.year, nis_code=read.nis_code, activity_ids=ids)


# Resolvers are plain functions passed as `resolver=` (not decorated methods), so mypy
# --strict sees their types without a Strawberry plugin.
async def academy_reach(root: _Academy, info: Resolve, year: int | None = None) -> list[Reach]:
    found = await info.context.loaders.reach.load(root.id)
    return [Reach.of(r) for r in found if year is None or r.year == year]


@strawberry.enum(description="An academy's recognition status (the registry's lifecycle)")
class RecognitionStatus(Enum):
    REQUESTED = "requested"
    PROVISIONALLY_RECOGNISED = "provisionally_recognised"
    RECOGNISED = "recognised"
    RENEWAL_DUE = "renewal_due"
    UNDER_REVIEW = "under_review"
    RENEWED = "renewed"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@strawberry.enum(description="A role an academy holds in a year (VLAIO's subsidy calls)")
class AcademyRole(Enum):
    GANGMAKER = "gangmaker"
    ONTWIKKELAAR = "ontwikkelaar"
    UITROLLER = "uitroller"


@strawberry.type(description="An academy's recognition in force on a day")
class Recognition:
    status: RecognitionStatus | None = strawberry.field(
        description="The status of the decision in force; null: no decision yet"
    )
    recognised: bool = strawberry.field(description="Counts as recognised that day")
    valid_from: date | None
    valid_until: date | None = strawberry.field(description="Last day; null: open-ended")


def brussels_today() -> date:
    return datetime.now(BRUSSELS).date()


async def academy_recognition(
    root: _Academy, info: Resolve, on: date | None = None
) -> Recognition | None:
    day = on or brussels_today()
    found = await info.context.loaders.standings.load((root.id, day, day.year))
    if found is None:
        return None
    return Recognition(
        status=RecognitionStatus(found.status) if found.status else None,
        recognised=found.recognised,
        valid_from=found.valid_from,
        valid_until=found.valid_until,
    )


async def academy_roles(root: _Academy, info: Resolve, year: int) -> list[AcademyRole]:
    found = await info.context.loaders.standings.load((root.id, brussels_today(), year))
    return [AcademyRole(role) for role in found.roles] if found else []
