"""Organizer ids a coordinator asks to link to their academy (issue 21): the request and
answer bodies, and the ops routes that list and decide them (the coordinator's own route is
in `self_service_routes.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from registry.adapters.link_request_store import LinkRequest
from registry.config import Settings
from registry.entrypoints.schemas import Reason
from registry.entrypoints.standing_in import gateway_naming_one_who_may
from registry.service_layer import link_requests
from stemkit.access.actor import Actor, actor_dependency
from stemkit.access.auth import EDIT, OPS, WRITE
from stemkit.storage.db import Database


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

    async def decide(
        request_id: str, actor: Actor, reason: str | None, confirm: bool
    ) -> LinkRequestOut:
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
        return await decide(request_id, actor, reason, True)

    @router.post("/{request_id}/reject", dependencies=[editors])
    async def reject_link_request(
        request_id: str,
        actor: Actor = Depends(actor_of),  # noqa: B008
        reason: Reason = None,
    ) -> LinkRequestOut:
        return await decide(request_id, actor, reason, False)

    return router
