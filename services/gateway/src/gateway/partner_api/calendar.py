"""The STEM-kalender for partners: activities by filter, as a cursor connection."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.types.nodes import SelectedField

from gateway.adapters import activities as activities_api
from gateway.adapters.activities import ActivityFilters
from gateway.partner_api.detail_types import Language
from gateway.partner_api.types import Activity, municipality_key
from gateway.schema.context import Resolve
from gateway.schema.loaders import prefetch
from gateway.schema.paging import Connection, check_first


@strawberry.input(description="Which activities; every given condition must hold")
class ActivityFilter:
    start: datetime | None = strawberry.field(
        default=None, name="from", description="Occurring on or after"
    )
    end: datetime | None = strawberry.field(
        default=None, name="to", description="Occurring on or before"
    )
    province: str | None = strawberry.field(default=None, description="Province name (nl)")
    nis_codes: list[str] | None = strawberry.field(
        default=None, description="In one of these municipalities (NIS codes)"
    )
    academy_id: strawberry.ID | None = None
    theme_ids: list[str] | None = strawberry.field(
        default=None, description="With any of these UiTdatabank themes"
    )
    age: int | None = strawberry.field(default=None, description="Suits this age")
    text: str | None = strawberry.field(default=None, description="Text in the name or place")

    def to_filters(self) -> ActivityFilters:
        return ActivityFilters(
            start=self.start,
            end=self.end,
            province=self.province,
            nis_codes=tuple(self.nis_codes or ()),
            academy_id=self.academy_id,
            theme_ids=tuple(self.theme_ids or ()),
            age=self.age,
            text=self.text,
        )


async def activities(
    info: Resolve,
    first: int,
    after: str | None = None,
    filter: ActivityFilter | None = None,
    languages: list[Language] | None = None,
) -> Connection[Activity] | None:
    check_first(first)
    filters = (filter or ActivityFilter()).to_filters()
    client = info.context.loaders.upstreams.activities
    found, following = await activities_api.list_activities(client, filters, first, after)
    loaders = info.context.loaders
    for read in found:  # `activity(id)` in the same query needs no call
        loaders.activities.prime(read.activity_id.lower(), read)
    page = [Activity.of(read, languages) for read in found]
    wanted = _selected(info)
    await asyncio.gather(
        prefetch(loaders.academies, (a.academy_id for a in page if a.academy_id))
        if "academy" in wanted
        else asyncio.sleep(0),
        prefetch(loaders.municipalities, [k for k in map(municipality_key, page) if k])
        if "municipality" in wanted
        else asyncio.sleep(0),
    )
    return Connection.of(page, following)


def _selected(info: Resolve) -> set[str]:
    """Names of the fields asked for on the page's activities (under nodes / edges.node)."""
    names: set[str] = set()
    for field in info.selected_fields:
        for part in field.selections:
            if isinstance(part, SelectedField) and part.name == "nodes":
                names |= {f.name for f in part.selections if isinstance(f, SelectedField)}
            if isinstance(part, SelectedField) and part.name == "edges":
                for node in part.selections:
                    if isinstance(node, SelectedField) and node.name == "node":
                        names |= {f.name for f in node.selections if isinstance(f, SelectedField)}
    return names
