"""Calculations: run a year now (stored, immutable, audited) or what-if (nothing stored).
The stored runs are read by `run_routes.py`, the parameters by `parameter_routes.py`."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.access.actor import Actor, actor_dependency
from stemkit.access.auth import DECIDE, WRITE
from stemkit.ops import audit
from stemkit.ops.audit import Change
from subsidy.adapters import runs_store
from subsidy.adapters.orm import audit_log
from subsidy.config import SERVICE, Settings
from subsidy.domain.allocation import ALLOCATIONS, DEFAULT_ALLOCATION
from subsidy.domain.calculation import NoCall
from subsidy.domain.parameters import UnknownParameter
from subsidy.domain.result import Result
from subsidy.entrypoints.deps import SessionDep
from subsidy.entrypoints.run_routes import RunView, run_view
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


def _options(body: CalculationRequest, settings: Settings) -> runs.Options:
    if body.allocation not in ALLOCATIONS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"allocation not in {sorted(ALLOCATIONS)}"
        )
    calls = tuple(body.call_ids) if body.call_ids is not None else None
    return runs.Options(calls, body.allocation, body.strict, settings.environment == "development")


def _refusal(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


async def _audit_run(
    session: AsyncSession, actor: Actor, body: CalculationRequest, run: runs_store.StoredRun
) -> None:
    options = body.model_dump(exclude={"reason"})
    after = {"year": run.year, "trigger": run.trigger, "options": options}
    after |= {"rules_version": run.rules_version, "watermark": run.watermark}
    change = Change("calculation_run", run.run_id, "ran", after=after)
    await audit.record(session, audit_log, SERVICE, actor, replace(change, reason=body.reason))


def calculation_router(settings: Settings) -> APIRouter:
    """The app requires the ops scope for both; a stored run needs a decider."""
    router = APIRouter(tags=["calculations"])
    deciders = [settings.doorkeeper().require(WRITE, DECIDE)]  # docs/adr/0019
    actor_of = actor_dependency(settings.doorkeeper())

    @router.post("/calculations", status_code=201, dependencies=deciders)
    async def run_calculation(
        body: CalculationRequest,
        session: SessionDep,
        actor: Actor = Depends(actor_of),  # noqa: B008
    ) -> RunView:
        """Calculate a year now; the run is stored (immutable) and announced; audited."""
        try:
            async with session.begin():
                run = await runs.run_calculation(session, body.year, _options(body, settings))
                await _audit_run(session, actor, body, run)
        except (UnknownParameter, NoCall) as exc:
            raise _refusal(exc) from exc
        return run_view(run)

    @router.post("/what-if")
    async def what_if(body: WhatIfRequest, session: SessionDep) -> Result:
        """The calculation with changed parameters; nothing is stored."""
        try:
            return await runs.what_if(session, body.year, body.parameters, _options(body, settings))
        except (UnknownParameter, NoCall, KeyError) as exc:
            raise _refusal(exc) from exc

    return router
