"""HTTP routes of academies: ops writes, reads for the gateway."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.adapters.academy_store import Filters
from registry.config import Settings
from registry.entrypoints.cursor import decode, encode
from registry.entrypoints.schemas import (
    AcademyIn,
    AcademyOut,
    AcademyPatch,
    Conflict,
    Reason,
)
from registry.entrypoints.standing_in import gateway_naming_one_who_may
from registry.service_layer import academies, audit
from registry.service_layer.academy_updates import update_academy as update
from registry.service_layer.recognition import recognised_ids
from stemkit.access.actor import Actor, actor_dependency
from stemkit.access.auth import EDIT, WRITE
from stemkit.storage.db import Database

MAX_BATCH = 100
MAX_PAGE = 500
DEFAULT_PAGE = 100
Sessions = async_sessionmaker[AsyncSession]
PAGE_HEADERS = {
    "X-Next-Cursor": {
        "description": "Cursor of the next page; absent on the last page",
        "schema": {"type": "string"},
    },
    "Link": {"description": 'rel="next" URL of the next page', "schema": {"type": "string"}},
}


def academies_router(database: Database, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/academies", tags=["academies"])
    _add_writes(router, database.session_factory, settings)
    _add_reads(router, database.session_factory)
    return router


def _add_writes(router: APIRouter, sessions: Sessions, settings: Settings) -> None:
    """Register (editors) and change (editors, or the gateway naming one)."""
    ops = [settings.doorkeeper().require(WRITE, EDIT)]  # editors (docs/adr/0019)
    # A change may also come from the gateway's /ops page for an editor it names (0021).
    editors = settings.doorkeeper().or_standing_in(gateway_naming_one_who_may(WRITE, EDIT))
    actor_of = actor_dependency(settings.doorkeeper())

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        dependencies=ops,
        responses={401: {"description": "No valid ops bearer token"}, 409: {"model": Conflict}},
    )
    async def register_academy(
        body: AcademyIn,
        response: Response,
        actor: Actor = Depends(actor_of),  # noqa: B008
        reason: Reason = None,
    ) -> AcademyOut:
        """Register an academy (ops). Announces `AcademyRegistered`; audited."""
        if body.demo and settings.environment == "production":
            detail = {"type": "value_error", "loc": ("body", "demo"), "input": True}
            raise RequestValidationError([{**detail, "msg": "no demo academies in production"}])
        command = academies.RegisterAcademy(
            name=body.name,
            uit_organizer_ids=body.uit_organizer_ids,
            home_nis_code=body.home_nis_code,
            demo=body.demo,
            profile=body.raw_profile(),
        )
        async with sessions.begin() as session:
            academy = await academies.register_academy(session, command)
            await audit.record_academy_change(session, actor, None, academy, reason)
        response.headers["Location"] = f"/academies/{academy.id}"
        return AcademyOut.of(academy)

    @router.patch(
        "/{academy_id}",
        dependencies=[editors.require(WRITE, EDIT)],
        responses={
            401: {"description": "No valid ops bearer token"},
            404: {"description": "No such academy"},
            409: {"model": Conflict},
        },
    )
    async def update_academy(
        academy_id: str,
        body: AcademyPatch,
        actor: Actor = Depends(actor_of),  # noqa: B008
        reason: Reason = None,
    ) -> AcademyOut:
        """Change an academy (ops); fields left out stay. Announces `AcademyUpdated`;
        audited."""
        async with sessions.begin() as session:
            before = await audit.current_academy(session, academy_id.strip().lower())
            academy = await update(session, academy_id, body.changes())
            if academy is not None:
                await audit.record_academy_change(session, actor, before, academy, reason)
        if academy is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
        return AcademyOut.of(academy)


def _add_reads(router: APIRouter, sessions: Sessions) -> None:
    """One academy, a batch of them (the gateway) or one page by name."""

    @router.get("/{academy_id}", responses={404: {"description": "No such academy"}})
    async def get_academy(academy_id: str) -> AcademyOut:
        async with sessions() as session:
            academy = await academies.get_academy(session, academy_id)
        if academy is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
        return AcademyOut.of(academy)

    @router.get("", responses={200: {"headers": PAGE_HEADERS}})
    async def list_academies(
        response: Response,
        ids: Annotated[
            str | None,
            Query(description=f"Comma-separated academy ids (at most {MAX_BATCH}): a batch read"),
        ] = None,
        cursor: Annotated[str | None, Query(description="X-Next-Cursor of the page before")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        name_contains: Annotated[str | None, Query(max_length=200)] = None,
        home_nis_code: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
        stem_partnership: Annotated[str | None, Query(max_length=200)] = None,
        demo: bool | None = None,
        recognised_on: Annotated[
            date | None,
            Query(description="Only the academies recognised on this day (partners: today)"),
        ] = None,
    ) -> list[AcademyOut]:
        """With `ids`: those academies in the order asked, unknown ids left out (the gateway's
        batch read; no paging, filters ignored). Otherwise one page by name; the next page's
        cursor is in the `X-Next-Cursor` header (and a `Link: rel="next"`), absent on the last.
        """
        if ids is not None:
            return await _batch(sessions, ids)
        async with sessions() as session:
            only = None if recognised_on is None else await recognised_ids(session, recognised_on)
            filters = Filters(name_contains, home_nis_code, stem_partnership, demo, only)
            page = await academies.list_academies(session, filters, decode(cursor), limit + 1)
        if len(page) > limit:
            page = page[:limit]
            following = encode((page[-1].name, page[-1].id))
            response.headers["X-Next-Cursor"] = following
            response.headers["Link"] = f'</academies?cursor={following}&limit={limit}>; rel="next"'
        return [AcademyOut.of(a) for a in page]


async def _batch(sessions: Sessions, ids: str) -> list[AcademyOut]:
    """The academies asked, in the order asked, unknown ones left out."""
    wanted = [i for i in ids.split(",") if i.strip()]
    if len(wanted) > MAX_BATCH:
        raise RequestValidationError(
            [{"type": "too_long", "loc": ("query", "ids"), "msg": f"at most {MAX_BATCH}"}]
        )
    async with sessions() as session:
        found = await academies.get_academies(session, wanted)
    return [AcademyOut.of(a) for a in found]
