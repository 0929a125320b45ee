"""HTTP routes of municipality follow-ups: why a municipality is not reached in a year and
which initiative follows (parliamentary question 2b/c)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.config import Settings
from registry.domain.follow_up import AUTHOR_MAX, TEXT_MAX, FollowUp, Reason
from registry.entrypoints.schemas import UNAUTHORISED, Responses
from registry.service_layer import audit, follow_up
from stemkit.access.actor import Actor, actor_dependency
from stemkit.access.auth import EDIT, WRITE
from stemkit.ops.audit import Change
from stemkit.storage.db import Database

NisCode = Annotated[str, Path(pattern=r"^\d{5}$", description="NIS code, 5 digits")]
Year = Annotated[int, Path(ge=2019, le=2100)]
Sessions = async_sessionmaker[AsyncSession]
NONE_RECORDED: Responses = {404: {"description": "Nothing recorded for it"}}
Text = Annotated[str | None, Field(max_length=TEXT_MAX)]


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why it is not reached (Q2b)")
    explanation: Text = Field(default=None, description="Free text; required with `other`")
    initiative: Text = Field(default=None, description="The initiative planned (Q2c)")
    no_initiative_reason: Text = Field(
        default=None, description="Why no initiative is taken (Q2c, 'zo niet')"
    )
    author: Annotated[str, Field(min_length=1, max_length=AUTHOR_MAX)] = Field(
        description="Who records it"
    )


class FollowUpOut(BaseModel):
    nis_code: str
    year: int
    reason: Reason
    explanation: str | None
    initiative: str | None
    no_initiative_reason: str | None
    author: str
    recorded_at: datetime

    @classmethod
    def of(cls, found: FollowUp) -> FollowUpOut:
        return cls(**vars(found))


def _state(found: FollowUp | None) -> dict[str, object] | None:
    """A follow-up as the audit trail keeps it."""
    return None if found is None else dict(vars(found))


async def _audited(
    session: AsyncSession,
    actor: Actor,
    key: tuple[str, int],
    before: FollowUp | None,
    after: FollowUp | None,
    why: str | None,
) -> None:
    action = "removed" if after is None else "recorded"
    entity_id = f"{key[0]}/{key[1]}"
    change = Change(audit.FOLLOW_UP, entity_id, action, None, _state(before), _state(after), why)
    await audit.record(session, actor, change)


def follow_up_router(database: Database, settings: Settings) -> APIRouter:
    # Reads need the read scope the app asks of every route; writes add the write scope.
    router = APIRouter(tags=["municipalities"])
    _add_follow_up_routes(router, database.session_factory, settings)
    _add_year_read(router, database.session_factory)
    return router


def _add_follow_up_routes(router: APIRouter, sessions: Sessions, settings: Settings) -> None:
    """One municipality's follow-up of a year: record (write), read, remove (write)."""
    write = [settings.doorkeeper().require(WRITE, EDIT)]
    actor_of = actor_dependency(settings.doorkeeper())

    @router.put(
        "/municipalities/{nis_code}/follow-up/{year}",
        dependencies=write,
        responses=UNAUTHORISED,
    )
    async def record_follow_up(
        nis_code: NisCode,
        year: Year,
        body: FollowUpIn,
        actor: Actor = Depends(actor_of),  # noqa: B008
    ) -> FollowUpOut:
        """Record why the municipality is not reached in the year and what follows (ops);
        replaces what was recorded for it. 422 when the NIS code is no municipality of that
        year (2025 merger codes from 2025 on, the old ones until 2024)."""
        command = follow_up.RecordFollowUp(**body.model_dump())
        async with sessions.begin() as session:
            before = await follow_up.get(session, nis_code, year)
            found = await follow_up.record(session, nis_code, year, command)
            await _audited(session, actor, (nis_code, year), before, found, found.explanation)
        return FollowUpOut.of(found)

    @router.get("/municipalities/{nis_code}/follow-up/{year}", responses=NONE_RECORDED)
    async def get_follow_up(nis_code: NisCode, year: Year) -> FollowUpOut:
        async with sessions() as session:
            found = await follow_up.get(session, nis_code, year)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no follow-up of {nis_code} {year}")
        return FollowUpOut.of(found)

    @router.delete(
        "/municipalities/{nis_code}/follow-up/{year}",
        status_code=status.HTTP_204_NO_CONTENT,
        dependencies=write,
        responses={**UNAUTHORISED, **NONE_RECORDED},
    )
    async def delete_follow_up(
        nis_code: NisCode,
        year: Year,
        actor: Actor = Depends(actor_of),  # noqa: B008
        reason: Annotated[str | None, Query(max_length=2000, description="Why (audit)")] = None,
    ) -> Response:
        async with sessions.begin() as session:
            before = await follow_up.get(session, nis_code, year)
            removed = await follow_up.remove(session, nis_code, year)
            if removed:
                await _audited(session, actor, (nis_code, year), before, None, reason)
        if not removed:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no follow-up of {nis_code} {year}")
        return Response(status_code=status.HTTP_204_NO_CONTENT)


def _add_year_read(router: APIRouter, sessions: Sessions) -> None:
    @router.get("/municipality-follow-ups")
    async def list_follow_ups(
        year: Annotated[int, Query(ge=2019, le=2100)],
    ) -> list[FollowUpOut]:
        """Every follow-up recorded for the year, by NIS code (the yearly report's)."""
        async with sessions() as session:
            found = await follow_up.of_year(session, year)
        return [FollowUpOut.of(f) for f in found]
