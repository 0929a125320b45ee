"""Academy self-service (issue 21): what a coordinator may see and change of their own
academy (the ops side of the organizer ids they ask to link: `link_request_routes.py`).

`/self-service/academies/{academy_id}/...` admits only
- a coordinator principal (the provider's access token, role `coordinator`) whose
  `academy_id` is the path's academy, or
- the gateway's own credential acting for a signed-in coordinator: it names the person
  (`X-Stem-Actor-*`, stemkit.access.actor) and their academy (`X-Stem-Actor-Academy`), which must
  be the path's academy.
Anyone else, ops included (they have the ordinary routes), is refused (403). Every change is
audited with the coordinator as actor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.config import Settings
from registry.domain.participants import Report
from registry.entrypoints.link_request_routes import LinkRequestIn, LinkRequestOut
from registry.entrypoints.recognition_schemas import ReportIn, ReportOut
from registry.entrypoints.schemas import AcademyOut, Email, Reason, Website
from registry.service_layer import academies, audit, link_requests, participants
from registry.service_layer.academy_updates import update_academy
from stemkit.access.actor import SUBJECT_HEADER, Actor, actor_from, is_gateway
from stemkit.access.identity import COORDINATOR, current_principal
from stemkit.domain.uit import normalise_organizer_id
from stemkit.ops.audit import Change
from stemkit.storage.db import Database

ACADEMY_HEADER = "X-Stem-Actor-Academy"
AcademyId = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$")]


class ProfileIn(BaseModel):
    """What a coordinator keeps of their academy's profile; a field left out stays."""

    model_config = ConfigDict(extra="forbid")

    website: Website | None = None
    contact_email: Email | None = None


class SelfServiceOut(BaseModel):
    academy: AcademyOut
    link_requests: list[LinkRequestOut]


def coordinator_actor(request: Request, academy_id: AcademyId) -> Actor:
    """The coordinator acting on `academy_id`, or 403."""
    principal = current_principal(request)
    wanted = academy_id.strip().lower()
    own = (principal.academy_id or "").strip().lower()
    if COORDINATOR in principal.roles and own == wanted:
        return actor_from(principal, request.headers)
    named = (request.headers.get(ACADEMY_HEADER) or "").strip().lower()
    if is_gateway(principal) and named == wanted and request.headers.get(SUBJECT_HEADER):
        return actor_from(principal, request.headers)
    raise HTTPException(status.HTTP_403_FORBIDDEN, "only a coordinator of this academy")


Coordinator = Annotated[Actor, Depends(coordinator_actor)]
Sessions = async_sessionmaker[AsyncSession]


def report_change(found: Report, academy_id: str, reason: str | None) -> Change:
    """The audit trail's entry of a participant report (a correction when it supersedes)."""
    figures = {k: getattr(found, k) for k in ("year", "quarter", "participants")}
    figures |= {"under_14": found.under_14, "from_14": found.from_14}
    return Change(
        audit.PARTICIPANT_REPORT,
        found.report_id,
        "corrected" if found.supersedes else "reported",
        academy_id=academy_id,
        after=figures | {"supersedes": found.supersedes},
        reason=reason,
    )


def self_service_router(database: Database, settings: Settings) -> APIRouter:
    # Any admitted credential passes the door; `coordinator_actor` then decides.
    router = APIRouter(
        prefix="/self-service/academies/{academy_id}",
        tags=["self-service"],
        dependencies=[settings.doorkeeper().require()],
    )
    _add_academy_routes(router, database.session_factory)
    _add_report_routes(router, database.session_factory)
    return router


def _add_academy_routes(router: APIRouter, sessions: Sessions) -> None:
    """The coordinator's academy: read it, keep its profile, ask to link an organizer id."""
    only_theirs = [Depends(coordinator_actor)]

    @router.get("", dependencies=only_theirs)
    async def get_own_academy(academy_id: AcademyId) -> SelfServiceOut:
        """The academy's registration and its organizer link requests."""
        wanted = academy_id.lower()
        async with sessions() as session:
            found = await academies.get_academy(session, wanted)
            asked = await link_requests.of_academy(session, wanted)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
        return SelfServiceOut(
            academy=AcademyOut.of(found), link_requests=[LinkRequestOut.of(r) for r in asked]
        )

    @router.patch("/profile")
    async def keep_profile(
        academy_id: AcademyId, body: ProfileIn, actor: Coordinator, reason: Reason = None
    ) -> AcademyOut:
        """Website and contact e-mail (null clears one); audited. Announces `AcademyUpdated`."""
        wanted = academy_id.lower()
        async with sessions.begin() as session:
            before = await audit.current_academy(session, wanted)
            after = await update_academy(session, wanted, body.model_dump(exclude_unset=True))
            if before is None or after is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
            await audit.record_academy_change(session, actor, before, after, reason)
        return AcademyOut.of(after)

    @router.post("/organizer-link-requests", status_code=status.HTTP_201_CREATED)
    async def ask_to_link_organizer(
        academy_id: AcademyId, body: LinkRequestIn, actor: Coordinator
    ) -> LinkRequestOut:
        """Ask ops to link an organizer id to the academy; pending until they confirm."""
        try:
            organizer = normalise_organizer_id(body.organizer_id)
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        async with sessions.begin() as session:
            if await academies.get_academy(session, academy_id.lower()) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
            found = await link_requests.ask(
                session, academy_id.lower(), organizer, body.note, actor
            )
        return LinkRequestOut.of(found)


def _add_report_routes(router: APIRouter, sessions: Sessions) -> None:
    """The academy's participant reports: read them, report (or correct) a period."""
    only_theirs = [Depends(coordinator_actor)]

    @router.get("/participant-reports", dependencies=only_theirs)
    async def list_own_participant_reports(
        academy_id: AcademyId,
        year: Annotated[int | None, Query(ge=2019, le=2100)] = None,
    ) -> list[ReportOut]:
        async with sessions() as session:
            found = await participants.reports_of(session, academy_id.lower(), year, False)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
        return [ReportOut.of(r) for r in found]

    @router.post("/participant-reports", status_code=status.HTTP_201_CREATED)
    async def report_own_participants(
        academy_id: AcademyId, body: ReportIn, actor: Coordinator, reason: Reason = None
    ) -> ReportOut:
        """Participants for a year or a quarter (under 14, 14 and over); a second report of
        a period corrects the first. Audited; announces `ParticipantsReported`."""
        wanted = academy_id.lower()
        command = participants.ReportParticipants(**body.model_dump())
        async with sessions.begin() as session:
            found = await participants.report(session, wanted, command)
            change = report_change(found, wanted, reason)
            await audit.record(session, actor, change)
        return ReportOut.of(found)
