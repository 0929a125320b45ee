"""Use cases of participant reports: a report for a period that already has one is a
correction that supersedes it (the earlier one is kept, marked superseded)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import academy_store, recognition_store, report_store
from registry.domain import recognition
from registry.domain.participants import Completeness, Report, check_report
from registry.service_layer.academies import announce
from registry.service_layer.recognition import ConcurrentChange, UnknownAcademy
from stemkit.contracts.registry import ParticipantsReported


@dataclass(frozen=True)
class ReportParticipants:
    year: int
    participants: int
    quarter: int | None = None
    under_14: int | None = None
    from_14: int | None = None
    reported_on: date | None = None


async def report(session: AsyncSession, academy_id: str, command: ReportParticipants) -> Report:
    """Store and announce a report; raises UnknownAcademy or InvalidInput."""
    check_report(
        command.year, command.quarter, command.participants, command.under_14, command.from_14
    )
    if not await academy_store.lock(session, academy_id):
        raise UnknownAcademy(academy_id)
    now = datetime.now(UTC)
    earlier = await report_store.current(session, academy_id, command.year, command.quarter)
    new = Report(
        report_id=str(uuid.uuid4()),
        academy_id=academy_id,
        year=command.year,
        quarter=command.quarter,
        participants=command.participants,
        under_14=command.under_14,
        from_14=command.from_14,
        reported_on=command.reported_on or now.date(),
        supersedes=earlier.report_id if earlier else None,
    )
    try:
        async with session.begin_nested():
            await report_store.add(session, new, now)
    except IntegrityError as exc:  # `supersedes` is unique: a concurrent correction
        raise ConcurrentChange(academy_id) from exc
    if earlier is not None:
        await report_store.supersede(session, earlier.report_id, new.report_id)
    payload = {k: v for k, v in vars(new).items() if k != "superseded_by"}
    await announce(session, ParticipantsReported(**payload))
    return new


async def reports_of(
    session: AsyncSession, academy_id: str, year: int | None, with_history: bool
) -> list[Report] | None:
    if not await academy_store.exists(session, academy_id):
        return None
    return await report_store.of_academy(session, academy_id, year, with_history)


async def reports_of_year(session: AsyncSession, year: int) -> list[Report]:
    """The reports in force for `year`, of every academy (for the yearly report)."""
    return await report_store.of_year(session, year)


async def completeness(session: AsyncSession, year: int) -> Completeness:
    """Of the academies recognised on some day of `year`, how many reported for it."""
    histories = await recognition_store.histories(session)
    recognised = sorted(a for a, h in histories.items() if recognition.recognised_in_year(h, year))
    reported = await report_store.academies_that_reported(session, year)
    return Completeness(
        year=year,
        recognised=len(recognised),
        reported=sum(a in reported for a in recognised),
        not_reported=tuple(a for a in recognised if a not in reported),
    )
