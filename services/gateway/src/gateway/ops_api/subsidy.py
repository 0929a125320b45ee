"""Ops: subsidies per year and academy with their explanation, calculation runs and diffs."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import strawberry
from strawberry.scalars import JSON

from gateway.adapters import subsidy
from gateway.schema.context import Resolve
from gateway.schema.scopes import SUBSIDIES, needs_scope


async def _explain(root: Subsidy, info: Resolve) -> JSON | None:
    client = info.context.loaders.upstreams.subsidy
    return cast("JSON | None", await subsidy.explanation(client, root.run_id, root.academy_id))


@strawberry.type(description="What an academy receives for a role and call, from a stored run")
class Subsidy:
    run_id: strawberry.ID
    year: int
    academy_id: strawberry.ID
    role: str
    call_id: str
    paid_eur: Decimal
    illustrative: bool = strawberry.field(description="Parameters not final: an illustration")
    explanation: JSON | None = strawberry.field(
        resolver=_explain,
        description="Each euro of the academy in that run: rule, parameters, places, activities",
    )


@strawberry.type(description="A stored, immutable subsidy calculation")
class CalculationRun:
    id: strawberry.ID
    year: int
    created_at: str
    trigger: str
    rules_version: str


async def _subsidies(
    info: Resolve, year: int, academy_id: strawberry.ID | None = None, role: str | None = None
) -> list[Subsidy] | None:
    found = await subsidy.subsidies(info.context.loaders.upstreams.subsidy, year, academy_id, role)
    return (
        None
        if found is None
        else [
            Subsidy(
                run_id=strawberry.ID(s.run_id),
                year=s.year,
                academy_id=strawberry.ID(s.academy_id),
                role=s.role,
                call_id=s.call_id,
                paid_eur=s.paid_eur,
                illustrative=s.illustrative,
            )
            for s in found
        ]
    )


async def _runs(info: Resolve, year: int | None = None) -> list[CalculationRun] | None:
    found = await subsidy.runs(info.context.loaders.upstreams.subsidy, year)
    return [
        CalculationRun(
            id=strawberry.ID(r.run_id),
            year=r.year,
            created_at=r.created_at,
            trigger=r.trigger,
            rules_version=r.rules_version,
        )
        for r in found
    ]


async def _diff(info: Resolve, from_run: strawberry.ID, to_run: strawberry.ID) -> JSON | None:
    found = await subsidy.diff(info.context.loaders.upstreams.subsidy, from_run, to_run)
    return cast("JSON | None", found)


_scope = [needs_scope(SUBSIDIES)]
subsidies = strawberry.field(
    resolver=_subsidies,
    permission_classes=_scope,
    description="Subsidies of a year from its latest run (null: no run yet)",
)
calculation_runs = strawberry.field(
    resolver=_runs, permission_classes=_scope, description="Stored calculation runs"
)
calculation_diff = strawberry.field(
    resolver=_diff,
    permission_classes=_scope,
    description="What changed between two runs, line by line, and why (null: unknown run)",
)
