"""Academy self-service (issue 21): what a coordinator may see and change of their own
academy, and the ops side of the organizer ids they ask to link.

`/self-service/academies/{academy_id}/...` admits only
- a coordinator principal (the provider's access token, role `coordinator`) whose
  `academy_id` is the path's academy, or
- the gateway's own credential acting for a signed-in coordinator: it names the person
  (`X-Stem-Actor-*`, stemkit.ops.audit) and their academy (`X-Stem-Actor-Academy`), which must
  be the path's academy.
Anyone else, ops included (they have the ordinary routes), is refused (403). Every change is
audited with the coordinator as actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from registry.adapters.link_request_store import LinkRequest
from registry.config import Settings
from registry.entrypoints.recognition_schemas import ReportIn, ReportOut
from registry.entrypoints.schemas import AcademyOut, Email, Reason, Website
from registry.entrypoints.standing_in import gateway_naming_one_who_may
from registry.service_layer import academies, audit, link_requests, participants
from registry.service_layer.academy_updates import update_academy
from stemkit.access.actor import SUBJECT_HEADER, Actor, actor_dependency, actor_from, is_gateway
from stemkit.access.auth import EDIT, OPS, WRITE
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


class LinkRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organizer_id: Annotated[str, Field(min_length=1, max_length=300)] = Field(
        description="A UiTdatabank organizer id or URI"
    )
    note: str | None = Field(default=None, max_length=2000, description="For ops")


class LinkRequestOut(BaseModel):
    request_id: str
    academy_id: str
    organizer_id: str
    status: str = Field(description="pending, confirmed or rejected")
    note: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, found: LinkRequest) -> LinkRequestOut:
        return cls(**vars(found))


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


def self_service_router(database: Database, settings: Settings) -> APIRouter:
    # Any admitted credential passes the door; `coordinator_actor` then decides.
    router = APIRouter(
        prefix="/self-service/academies/{academy_id}",
        tags=["self-service"],
        dependencies=[settings.doorkeeper().require()],
    )
    sessions = database.session_factory

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
            figures = {k: getattr(found, k) for k in ("year", "quarter", "participants")}
            figures |= {"under_14": found.under_14, "from_14": found.from_14}
            action = "corrected" if found.supersedes else "reported"
            change = Change(
                audit.PARTICIPANT_REPORT,
                found.report_id,
                action,
                academy_id=wanted,
                after=figures | {"supersedes": found.supersedes},
                reason=reason,
            )
            await audit.record(session, actor, change)
        return ReportOut.of(found)

    return router


def link_requests_router(database: Database, settings: Settings) -> APIRouter:
    """Ops: the organizer ids coordinators asked to link, and their decision: linking one
    changes an academy, so editors decide (write + edit), directly or through the gateway's
    /ops page, which names the person (recorded as the actor) and their roles (checked)."""
    router = APIRouter(prefix="/organizer-link-requests", tags=["self-service"])
    sessions = database.session_factory
    keys = settings.doorkeeper()
    actor_of = actor_dependency(keys)
    editors = keys.or_standing_in(gateway_naming_one_who_may(WRITE, EDIT)).require(WRITE, EDIT)

    @router.get("", dependencies=[keys.require(OPS)])
    async def list_pending_link_requests() -> list[LinkRequestOut]:
        async with sessions() as session:
            return [LinkRequestOut.of(r) for r in await link_requests.pending(session)]

    async def decide(request_id: str, actor: Actor, reason: str | None, confirm: bool) -> Any:
        try:
            async with sessions.begin() as session:
                found = await link_requests.decide(
                    session, request_id, confirm=confirm, actor=actor, reason=reason
                )
        except link_requests.NotPending as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, "no pending request") from exc
        return LinkRequestOut.of(found)

    @router.post("/{request_id}/confirm", dependencies=[editors])
    async def confirm_link_request(
        request_id: str,
        actor: Actor = Depends(actor_of),  # noqa: B008
        reason: Reason = None,
    ) -> LinkRequestOut:
        """Link the organizer id to the academy (409 when no longer pending); audited."""
        found: LinkRequestOut = await decide(request_id, actor, reason, True)
        return found

    @router.post("/{request_id}/reject", dependencies=[editors])
    async def reject_link_request(
        request_id: str,
        actor: Actor = Depends(actor_of),  # noqa: B008
        reason: Reason = None,
    ) -> LinkRequestOut:
        found: LinkRequestOut = await decide(request_id, actor, reason, False)
        return found

    return router
