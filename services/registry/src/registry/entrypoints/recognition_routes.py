"""HTTP routes of recognition decisions and their queries (the roles per year:
`role_routes.py`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.config import Settings
from registry.domain.recognition import TRANSITIONS, Decision
from registry.entrypoints.recognition_schemas import (
    DecisionIn,
    DecisionOut,
    RecognitionOut,
    Refused,
)
from registry.entrypoints.schemas import NOT_FOUND, UNAUTHORISED
from registry.entrypoints.standing_in import gateway_naming_one_who_may
from registry.service_layer import audit, recognition
from stemkit.access.actor import Actor, actor_dependency, author_of
from stemkit.access.auth import DECIDE, OPS, WRITE
from stemkit.ops.audit import Change
from stemkit.storage.db import Database

Sessions = async_sessionmaker[AsyncSession]


def decision_change(before: Decision | None, decision: Decision, stated: str | None) -> Change:
    """The audit trail's entry of a decision: the status it follows, and the decision."""
    return Change(
        audit.RECOGNITION,
        decision.decision_id,
        "decided",
        academy_id=decision.academy_id,
        before={k: vars(before)[k] for k in ("status", "valid_from", "valid_until")}
        if before
        else None,
        after=vars(decision),
        reason=decision.reason,
        note=f"author given in the request: {stated}" if stated else None,
    )


def recognition_router(database: Database, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["recognition"])
    _add_decisions(router, database.session_factory, settings)
    _add_queries(router, database.session_factory, settings)
    return router


def _add_decisions(router: APIRouter, sessions: Sessions, settings: Settings) -> None:
    # Decisions: deciders, or the gateway's /ops page for a decider it names (adr 0021).
    deciders = settings.doorkeeper().or_standing_in(gateway_naming_one_who_may(WRITE, DECIDE))
    decide = [deciders.require(WRITE, DECIDE)]
    actor_of = actor_dependency(settings.doorkeeper())

    @router.post(
        "/academies/{academy_id}/recognition",
        status_code=status.HTTP_201_CREATED,
        dependencies=decide,
        responses={**UNAUTHORISED, **NOT_FOUND, 409: {"model": Refused}},
    )
    async def decide_recognition(
        academy_id: str,
        body: DecisionIn,
        actor: Actor = Depends(actor_of),  # noqa: B008
    ) -> DecisionOut:
        """Record a recognition decision (ops). A decision the lifecycle does not allow from
        the current status is refused (409, naming what is allowed). Announces
        `RecognitionDecided`. The author is the signed-in person (the access token's
        subject), not the request's `author` field; audited."""
        given = body.model_dump()
        stated = given.pop("author", None)
        command = recognition.Decide(**given, author=author_of(actor))
        wanted = academy_id.lower()
        async with sessions.begin() as session:
            decisions = await recognition.history(session, wanted)
            decision = await recognition.decide(session, wanted, command)
            change = decision_change(decisions[-1] if decisions else None, decision, stated)
            await audit.record(session, actor, change)
        return DecisionOut.of(decision)


def _add_queries(router: APIRouter, sessions: Sessions, settings: Settings) -> None:
    """An academy's decisions; the academies recognised on a day; the reviews due."""

    @router.get("/academies/{academy_id}/recognition", responses=NOT_FOUND)
    async def get_recognition(academy_id: str) -> RecognitionOut:
        """The current recognition status, what may follow, and every decision."""
        async with sessions() as session:
            decisions = await recognition.history(session, academy_id.lower())
        if decisions is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
        current = decisions[-1] if decisions else None
        return RecognitionOut(
            academy_id=academy_id.lower(),
            current=DecisionOut.of(current) if current else None,
            allowed_next=list(TRANSITIONS[current.status if current else None]),
            history=[DecisionOut.of(d) for d in decisions],
        )

    @router.get("/recognition/recognised")
    async def list_recognised(on: Annotated[date, Query()]) -> list[DecisionOut]:
        """The academies recognised on a day, each with the decision in force."""
        async with sessions() as session:
            found = await recognition.recognised_on(session, on)
        return [DecisionOut.of(d) for d in found]

    @router.get("/recognition/reviews-due", dependencies=[settings.doorkeeper().require(OPS)])
    async def list_reviews_due(before: Annotated[date, Query()]) -> list[DecisionOut]:
        """Academies whose recognition runs out before the date, soonest first."""
        async with sessions() as session:
            found = await recognition.reviews_due(session, before)
        return [DecisionOut.of(d) for d in found]
