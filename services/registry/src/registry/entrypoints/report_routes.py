"""HTTP routes of voluntary participant reports and their completeness."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.config import Settings
from registry.domain.participants import Report
from registry.entrypoints.recognition_schemas import CompletenessOut, ReportIn, ReportOut
from registry.entrypoints.schemas import NOT_FOUND, UNAUTHORISED, Reason
from registry.entrypoints.standing_in import gateway_naming_one_who_may
from registry.service_layer import audit, participants
from stemkit.access.actor import Actor, actor_dependency
from stemkit.access.auth import EDIT, OPS, WRITE
from stemkit.ops.audit import Change
from stemkit.storage.db import Database

Sessions = async_sessionmaker[AsyncSession]


def _figures(report: Report | None) -> dict[str, Any] | None:
    if report is None:
        return None
    keep = ("report_id", "year", "quarter", "participants", "under_14", "from_14", "reported_on")
    return {k: getattr(report, k) for k in keep}


async def _superseded(session: AsyncSession, found: Report) -> Report | None:
    """The report a correction supersedes (None: not a correction)."""
    if not found.supersedes:
        return None
    history = await participants.reports_of(session, found.academy_id, found.year, True)
    return next((r for r in history or [] if r.report_id == found.supersedes), None)


def _report_change(
    earlier: Report | None, found: Report, academy_id: str, reason: str | None
) -> Change:
    return Change(
        audit.PARTICIPANT_REPORT,
        found.report_id,
        "corrected" if found.supersedes else "reported",
        academy_id=academy_id,
        before=_figures(earlier),
        after=_figures(found),
        reason=reason,
    )


def report_router(database: Database, settings: Settings) -> APIRouter:
    # Participant figures are internal: the ops scope for reading, write for reporting.
    router = APIRouter(tags=["participants"], dependencies=[settings.doorkeeper().require(OPS)])
    _add_reporting(router, database.session_factory, settings)
    _add_report_reads(router, database.session_factory)
    return router


def _add_reporting(router: APIRouter, sessions: Sessions, settings: Settings) -> None:
    """Editors (or the gateway naming one) report an academy's participants."""
    actor_of = actor_dependency(settings.doorkeeper())
    # Editors, or the gateway's /ops page for an editor it names (docs/adr/0021).
    editors = settings.doorkeeper().or_standing_in(gateway_naming_one_who_may(WRITE, EDIT))

    @router.post(
        "/academies/{academy_id}/participant-reports",
        status_code=status.HTTP_201_CREATED,
        dependencies=[editors.require(WRITE, EDIT)],
        responses={**UNAUTHORISED, **NOT_FOUND},
    )
    async def report_participants(
        academy_id: str,
        body: ReportIn,
        actor: Actor = Depends(actor_of),  # noqa: B008
        reason: Reason = None,
    ) -> ReportOut:
        """Report participants for a year or a quarter (ops). A second report for the same
        period is a correction: it supersedes the earlier one, which is kept. Announces
        `ParticipantsReported`; audited."""
        command = participants.ReportParticipants(**body.model_dump())
        wanted = academy_id.lower()
        async with sessions.begin() as session:
            found = await participants.report(session, wanted, command)
            earlier = await _superseded(session, found)
            await audit.record(session, actor, _report_change(earlier, found, wanted, reason))
        return ReportOut.of(found)


def _add_report_reads(router: APIRouter, sessions: Sessions) -> None:
    """An academy's reports; every academy's of a year; how many reported."""

    @router.get("/academies/{academy_id}/participant-reports", responses=NOT_FOUND)
    async def list_participant_reports(
        academy_id: str,
        year: Annotated[int | None, Query(ge=2019, le=2100)] = None,
        history: Annotated[bool, Query(description="Also the superseded reports")] = False,
    ) -> list[ReportOut]:
        async with sessions() as session:
            found = await participants.reports_of(session, academy_id.lower(), year, history)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
        return [ReportOut.of(r) for r in found]

    @router.get("/participant-reports")
    async def list_participant_reports_of_year(
        year: Annotated[int, Query(ge=2019, le=2100)],
    ) -> list[ReportOut]:
        """Every academy's reports in force for the year (the whole year and its quarters),
        by academy and quarter: the yearly report's participants in one call."""
        async with sessions() as session:
            found = await participants.reports_of_year(session, year)
        return [ReportOut.of(r) for r in found]

    @router.get("/participant-reports/completeness")
    async def get_reporting_completeness(
        year: Annotated[int, Query(ge=2019, le=2100)],
    ) -> CompletenessOut:
        """How many academies recognised in the year reported participants for it."""
        async with sessions() as session:
            found = await participants.completeness(session, year)
        return CompletenessOut.of(found)
