"""Stored calculation runs, read back: the list, one run, one academy's explanation and the
diff of two runs (tag "calculations", ops scope)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from subsidy.adapters import runs_store
from subsidy.domain.parameters import Used
from subsidy.domain.result import Line, Result
from subsidy.entrypoints.deps import SessionDep
from subsidy.service_layer import runs


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


def run_view(run: runs_store.StoredRun) -> RunView:
    return RunView(
        run_id=run.run_id,
        year=run.year,
        created_at=run.created_at.isoformat(),
        trigger=run.trigger,
        rules_version=run.rules_version,
        watermark=run.watermark,
        result=run.result,
    )


def explanation(run: runs_store.StoredRun, academy_id: str) -> Explanation:
    """One academy's lines of a run, with the formulas and parameters they used."""
    lines = [ln for ln in run.result.lines() if ln.academy_id == academy_id]
    names = {n for ln in lines for n in ln.parameters}
    return Explanation(
        run_id=run.run_id,
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


async def _stored(session: SessionDep, run_id: str) -> runs_store.StoredRun:
    run = await runs_store.get_run(session, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such run")
    return run


def run_router() -> APIRouter:
    """The caller's scope is the app's to require (ops: runs are internal)."""
    router = APIRouter(tags=["calculations"])

    @router.get("/calculations")
    async def list_runs(
        session: SessionDep, year: Annotated[int | None, Query(ge=2019, le=2100)] = None
    ) -> list[RunView]:
        return [run_view(r) for r in await runs_store.runs_of(session, year)]

    # Before /calculations/{run_id}, which would take "diff" for a run id.
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
        return run_view(await _stored(session, run_id))

    @router.get("/calculations/{run_id}/explanation")
    async def explain(run_id: str, academy_id: str, session: SessionDep) -> Explanation:
        """Each euro of one academy: the rule and parameters, the place, the proving activities."""
        return explanation(await _stored(session, run_id), academy_id)

    return router
