"""The root Query and the schema (exported as SDL by `gateway.entrypoints.cli export-schema`)."""

from __future__ import annotations

import strawberry

from gateway.schema.types import Academy, Activity, Resolve


async def _activity(info: Resolve, id: strawberry.ID) -> Activity | None:
    found = await info.context.loaders.activities.load(id)
    return None if found is None else Activity.of(found)


async def _academy(info: Resolve, id: strawberry.ID) -> Academy | None:
    found = await info.context.loaders.academies.load(id)
    return None if found is None else Academy.of(found)


@strawberry.type
class Query:
    activity: Activity | None = strawberry.field(
        resolver=_activity, description="One activity of the STEM-kalender, by UiTdatabank id"
    )
    academy: Academy | None = strawberry.field(resolver=_academy, description="One academy, by id")


schema = strawberry.Schema(query=Query)
