"""Calculations: run (stored, immutable), read, explain, diff, what-if; parameters and
operator overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from stemkit.access.actor import Actor, actor_dependency
from stemkit.access.auth import DECIDE, OPS, WRITE
from stemkit.ops import audit
from stemkit.ops.audit import Change
from subsidy.adapters import runs_store
from subsidy.adapters.orm import audit_log
from subsidy.config import SERVICE, Settings
from subsidy.domain.allocation import ALLOCATIONS, DEFAULT_ALLOCATION
from subsidy.domain.calculation import Line, NoCall, Result
from subsidy.domain.parameters import Override, UnknownParameter, Used, load_parameters
from subsidy.entrypoints.deps import SessionDep
from subsidy.service_layer import runs

Year = Annotated[int, Field(ge=2019, le=2100)]


class CalculationRequest(BaseModel):
    year: Year
    call_ids: list[str] | None = Field(default=None, description="Default: every call of the year")
    allocation: str = Field(default=DEFAULT_ALLOCATION, description=f"One of {sorted(ALLOCATIONS)}")
    strict: bool = Field(default=True, description="Refuse when a call needs an unknown parameter")
    reason: str | None = Field(
        default=None, max_length=2000, description="Why the run is made: kept in the audit trail"
    )


class WhatIfRequest(CalculationRequest):
    parameters: dict[str, Any] = Field(description="Parameter name -> value to use instead")


class RunView(BaseModel):
    run_id: str
    year: int
    created_at: str
    trigger: str
    rules_version: str
    watermark: str
    result: Result


class Explanation(BaseModel):
    run_id: str
    academy_id: str
    total_eur: str
    illustrative: bool
    lines: list[Line]
    rules: dict[str, str] = Field(description="call -> its formula, as its docstring states it")
    parameters: list[Used]


class DiffView(BaseModel):
    from_run: str
    to_run: str
    changes: list[dict[str, Any]]
    parameters: list[str]
    watermarks: tuple[str, str]


class OverrideRequest(BaseModel):
    name: str
    value: Any
    effective_from: date
    author: str | None = Field(
        default=None,
        description="Ignored (kept for older clients): the override's author is the signed-in"
        " person of the access token; a value given here is kept in the audit trail as a note",
    )
    reason: str = Field(min_length=1)
    decided_on: date | None = None


def _view(run: runs_store.StoredRun) -> RunView:
    return RunView(
        run_id=run.run_id,
        year=run.year,
        created_at=run.created_at.isoformat(),
        trigger=run.trigger,
        rules_version=run.rules_version,
        watermark=run.watermark,
        result=run.result,
    )


def _options(body: CalculationRequest, settings: Settings) -> runs.Options:
    if body.allocation not in ALLOCATIONS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"allocation not in {sorted(ALLOCATIONS)}"
        )
    calls = tuple(body.call_ids) if body.call_ids is not None else None
    return runs.Options(calls, body.allocation, body.strict, settings.environment == "development")


def _refusal(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


def _author(actor: Actor) -> str:
    """An override's `author`: the authenticated person, by name and subject."""
    if actor.name and actor.name != actor.subject:
        return f"{actor.name} <{actor.subject}>"[:200]
    return actor.subject[:200]


def calculation_router(settings: Settings) -> APIRouter:
    # Runs, explanations, what-if and parameters are internal: the ops scope at least.
    router = APIRouter(tags=["calculations"], dependencies=[settings.doorkeeper().require(OPS)])
    ops = [settings.doorkeeper().require(WRITE, DECIDE)]  # deciders (docs/adr/0019)
    actor_of = actor_dependency(settings.doorkeeper())

    @router.post("/calculations", status_code=201, dependencies=ops)
    async def run_calculation(
        body: CalculationRequest,
        session: SessionDep,
        actor: Actor = Depends(actor_of),  # noqa: B008
    ) -> RunView:
        """Calculate a year now; the run is stored (immutable) and announced; audited."""
        try:
            async with session.begin():
                run = await runs.run_calculation(session, body.year, _options(body, settings))
                options = body.model_dump(exclude={"reason"})
                after = {"year": run.year, "trigger": run.trigger, "options": options}
                after |= {"rules_version": run.rules_version, "watermark": run.watermark}
                change = Change("calculation_run", run.run_id, "ran", after=after)
                await audit.record(
                    session, audit_log, SERVICE, actor, replace(change, reason=body.reason)
                )
        except (UnknownParameter, NoCall) as exc:
            raise _refusal(exc) from exc
        return _view(run)

    @router.post("/what-if")
    async def what_if(body: WhatIfRequest, session: SessionDep) -> Result:
        """The calculation with changed parameters; nothing is stored."""
        try:
            return await runs.what_if(session, body.year, body.parameters, _options(body, settings))
        except (UnknownParameter, NoCall, KeyError) as exc:
            raise _refusal(exc) from exc

    @router.get("/calculations")
    async def list_runs(
        session: SessionDep, year: Annotated[int | None, Query(ge=2019, le=2100)] = None
    ) -> list[RunView]:
        return [_view(r) for r in await runs_store.runs_of(session, year)]

    @router.get("/calculations/diff")
    async def diff_runs(session: SessionDep, from_run: str, to_run: str) -> DiffView:
        """What changed between two runs, line by line, and why."""
        found = await runs.diff_runs(session, from_run, to_run)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such run")
        changes = [
            {**c.__dict__, "before": str(c.before), "after": str(c.after)} for c in found.changes
        ]
        return DiffView(
            from_run=from_run,
            to_run=to_run,
            changes=changes,
            parameters=found.parameters,
            watermarks=found.watermarks,
        )

    @router.get("/calculations/{run_id}")
    async def get_run(run_id: str, session: SessionDep) -> RunView:
        run = await runs_store.get_run(session, run_id)
        if run is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such run")
        return _view(run)

    @router.get("/calculations/{run_id}/explanation")
    async def explain(run_id: str, academy_id: str, session: SessionDep) -> Explanation:
        """Each euro of one academy: the rule and parameters, the place, the proving activities."""
        run = await runs_store.get_run(session, run_id)
        if run is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such run")
        lines = [ln for ln in run.result.lines() if ln.academy_id == academy_id]
        names = {n for ln in lines for n in ln.parameters}
        return Explanation(
            run_id=run_id,
            academy_id=academy_id,
            total_eur=str(sum((ln.paid for ln in lines), start=0)),
            illustrative=run.result.illustrative,
            lines=lines,
            rules={
                c.call_id: c.formula
                for c in run.result.calls
                if any(ln.call_id == c.call_id for ln in lines)
            },
            parameters=[u for u in run.result.parameters if u.name in names],
        )

    @router.get("/parameters", tags=["parameters"])
    async def parameters(session: SessionDep, on: date) -> list[dict[str, Any]]:
        """Every parameter on a date: value, unit, status (stated/inferred/unknown/override)."""
        params = await runs.parameters(
            session, runs.Options(demo=settings.environment == "development")
        )
        out = []
        for name, param in sorted(load_parameters().parameters.items()):
            try:
                used = params.lookup(name, on)
                out.append(
                    {
                        "name": name,
                        "value": used.value,
                        "unit": used.unit,
                        "status": used.status,
                        "reference": used.reference,
                        "override": used.override,
                    }
                )
            except UnknownParameter:
                out.append(
                    {
                        "name": name,
                        "value": None,
                        "unit": param.unit,
                        "status": "unknown",
                        "reference": param.reference,
                        "override": None,
                    }
                )
        return out

    @router.post("/parameters/overrides", tags=["parameters"], status_code=201, dependencies=ops)
    async def set_override(
        body: OverrideRequest,
        session: SessionDep,
        actor: Actor = Depends(actor_of),  # noqa: B008
    ) -> dict[str, str]:
        """An operator sets a parameter (e.g. an unknown amount), with date and reason; the
        author is the signed-in person (the access token's subject); audited."""
        if body.name not in load_parameters().parameters:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no parameter {body.name}")
        override = Override(
            body.name,
            body.effective_from,
            body.value,
            _author(actor),
            body.decided_on or date.today(),
            body.reason,
        )
        options = runs.Options(demo=settings.environment == "development")
        async with session.begin():
            try:
                used = (await runs.parameters(session, options)).lookup(
                    body.name, body.effective_from
                )
                before: dict[str, Any] | None = {"value": used.value, "status": used.status}
            except UnknownParameter:
                before = {"value": None, "status": "unknown"}
            override_id = await runs_store.add_override(session, override)
            after = {"value": body.value, "effective_from": body.effective_from}
            after |= {"decided_on": override.decided_on, "author": override.author}
            change = Change(
                "parameter_override",
                body.name,
                "overridden",
                before=before,
                after=after | {"override_id": override_id},
                reason=body.reason,
                note=f"author given in the request: {body.author}" if body.author else None,
            )
            await audit.record(session, audit_log, SERVICE, actor, change)
        return {"override_id": override_id}

    return router
