"""HTTP routes of an academy's roles per year (gangmaker, ontwikkelaar, uitroller: the 2023
funding system): read, assign, revoke; the writes audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status

from registry.config import Settings
from registry.entrypoints.recognition_schemas import RolesOut
from registry.entrypoints.schemas import NOT_FOUND, UNAUTHORISED, Reason
from registry.service_layer import audit, recognition
from stemkit.access.actor import Actor, actor_dependency
from stemkit.access.auth import EDIT, WRITE
from stemkit.contracts.registry import Role
from stemkit.ops.audit import Change
from stemkit.storage.db import Database

Year = Annotated[int, Path(ge=2019, le=2100)]
ROLE_PATH = "/academies/{academy_id}/roles/{year}/{role}"


@dataclass(frozen=True)
class RoleChange:
    """What a PUT or DELETE of a role names, and who asks."""

    academy_id: str
    year: int
    role: Role
    actor: Actor
    reason: str | None


def role_router(database: Database, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["recognition"])
    sessions = database.session_factory
    editors = [settings.doorkeeper().require(WRITE, EDIT)]  # docs/adr/0019
    actor_of = actor_dependency(settings.doorkeeper())

    async def role_change(
        academy_id: str,
        year: Year,
        role: Role,
        actor: Actor = Depends(actor_of),  # noqa: B008
        reason: Reason = None,
    ) -> RoleChange:
        return RoleChange(academy_id.lower(), year, role, actor, reason)

    async def set_role(change: RoleChange, *, held: bool) -> RolesOut:
        wanted, year, role = change.academy_id, change.year, change.role
        async with sessions.begin() as session:
            before = await recognition.roles_of(session, wanted)
            roles = await recognition.set_role(session, wanted, year, role, held=held)
            if roles != before:
                entry = Change(
                    audit.ROLE,
                    f"{wanted}/{year}/{role}",
                    "assigned" if held else "revoked",
                    academy_id=wanted,
                    before={"held": not held, "year": year, "role": role},
                    after={"held": held, "year": year, "role": role},
                    reason=change.reason,
                )
                await audit.record(session, change.actor, entry)
        return RolesOut.of(wanted, roles)

    @router.get("/academies/{academy_id}/roles", responses=NOT_FOUND)
    async def list_roles(academy_id: str) -> RolesOut:
        async with sessions() as session:
            if await recognition.history(session, academy_id.lower()) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
            roles = await recognition.roles_of(session, academy_id.lower())
        return RolesOut.of(academy_id.lower(), roles)

    answers = {**UNAUTHORISED, **NOT_FOUND}

    @router.put(ROLE_PATH, dependencies=editors, responses=answers)
    async def assign_role(change: RoleChange = Depends(role_change)) -> RolesOut:  # noqa: B008
        """The academy holds the role in that year (ops; idempotent). Announces `RoleAssigned`
        when it is new; audited."""
        return await set_role(change, held=True)

    @router.delete(ROLE_PATH, dependencies=editors, responses=answers)
    async def revoke_role(change: RoleChange = Depends(role_change)) -> RolesOut:  # noqa: B008
        """The academy no longer holds the role (ops; idempotent). Announces `RoleRevoked`
        when it held it; audited."""
        return await set_role(change, held=False)

    return router
