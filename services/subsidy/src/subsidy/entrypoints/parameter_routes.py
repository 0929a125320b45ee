"""Parameters on a date, and an operator's override of one (audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from stemkit.access.actor import Actor, actor_dependency, author_of
from stemkit.access.auth import DECIDE, WRITE
from stemkit.ops import audit
from stemkit.ops.audit import Change
from subsidy.adapters import runs_store
from subsidy.adapters.orm import audit_log
from subsidy.config import SERVICE, Settings
from subsidy.domain.parameters import Override, ParameterSet, UnknownParameter, load_parameters
from subsidy.entrypoints.deps import SessionDep
from subsidy.service_layer import runs


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


def parameter_rows(params: ParameterSet, on: date) -> list[dict[str, Any]]:
    """Each known parameter as in force on `on`; one without a value there is `unknown`."""
    out: list[dict[str, Any]] = []
    for name, param in sorted(load_parameters().parameters.items()):
        try:
            used = params.lookup(name, on)
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
            continue
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
    return out


def _in_force(params: ParameterSet, name: str, on: date) -> dict[str, Any]:
    """A parameter's value before an override, for the audit trail."""
    try:
        used = params.lookup(name, on)
    except UnknownParameter:
        return {"value": None, "status": "unknown"}
    return {"value": used.value, "status": used.status}


def override_change(
    body: OverrideRequest, override: Override, override_id: str, before: dict[str, Any]
) -> Change:
    after = {"value": body.value, "effective_from": body.effective_from}
    after |= {"decided_on": override.decided_on, "author": override.author}
    return Change(
        "parameter_override",
        body.name,
        "overridden",
        before=before,
        after=after | {"override_id": override_id},
        reason=body.reason,
        note=f"author given in the request: {body.author}" if body.author else None,
    )


def parameter_router(settings: Settings) -> APIRouter:
    """The app requires the ops scope for all of them; an override needs a decider."""
    # The first tag names the operations (stable_operation_id): `calculations-parameters`.
    router = APIRouter(tags=["calculations", "parameters"])
    deciders = [settings.doorkeeper().require(WRITE, DECIDE)]  # docs/adr/0019
    actor_of = actor_dependency(settings.doorkeeper())
    options = runs.Options(demo=settings.environment == "development")

    @router.get("/parameters")
    async def parameters(session: SessionDep, on: date) -> list[dict[str, Any]]:
        """Every parameter on a date: value, unit, status (stated/inferred/unknown/override)."""
        return parameter_rows(await runs.parameters(session, options), on)

    @router.post("/parameters/overrides", status_code=201, dependencies=deciders)
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
            author_of(actor),
            body.decided_on or date.today(),
            body.reason,
        )
        async with session.begin():
            params = await runs.parameters(session, options)
            before = _in_force(params, body.name, body.effective_from)
            override_id = await runs_store.add_override(session, override)
            change = override_change(body, override, override_id, before)
            await audit.record(session, audit_log, SERVICE, actor, change)
        return {"override_id": override_id}

    return router
