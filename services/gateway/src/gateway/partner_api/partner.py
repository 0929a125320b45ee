"""Partner queries over lists: academies (cursor connection) and municipalities of a year."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.adapters import registry
from gateway.adapters.registry import AcademyFilters
from gateway.partner_api.academy_standing import brussels_today
from gateway.partner_api.types import Academy, Municipality
from gateway.schema.context import Resolve
from gateway.schema.paging import Connection, check_first


async def academies(
    info: Resolve,
    first: int,
    after: str | None = None,
    name_contains: str | None = None,
    home_nis_code: str | None = None,
    stem_partnership: str | None = None,
    recognised: Annotated[
        bool | None,
        strawberry.argument(description="true: only the academies recognised today"),
    ] = None,
) -> Connection[Academy] | None:
    check_first(first)
    # `recognised: true`: only the academies recognised today (Brussels); false or null: all.
    on = brussels_today() if recognised else None
    filters = AcademyFilters(name_contains, home_nis_code, stem_partnership, on)
    client = info.context.loaders.upstreams.registry
    found, following = await registry.academies_page(client, filters, first, after)
    for read in found:  # later `academy(id)` fields in the same query need no call
        info.context.loaders.academies.prime(read.id, read)
    return Connection.of([Academy.of(read) for read in found], following)


async def municipalities(
    info: Resolve, year: int, province: str | None = None
) -> list[Municipality] | None:
    client = info.context.loaders.upstreams.registry
    found = await registry.municipalities(client, year, province)
    return [Municipality.of(m, year) for m in found]
