"""The port of the report: every upstream read the assembly needs, and the read models of
the answers that the gateway's adapters did not have yet. `upstream.HttpReportSource` is
the real one; the unit tests use an in-memory one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from gateway.adapters.http import Read
from gateway.adapters.registry import (
    AcademyRead,
    CompletenessRead,
    DecisionRead,
    FollowUpRead,
    MunicipalityRead,
    ReportRead,
)
from gateway.adapters.subsidy import CallRead, ChangesRead, CoverageRead, NotReachedRead, RunRead


class CalendarSummaryRead(Read):
    """Activities `GET /calendar/summary`: the year's STEM-kalender in figures."""

    year: int
    activities: int
    with_academy: int = 0
    months: dict[str, int] = {}
    themes: dict[str, int] = {}
    age_groups: dict[str, int] = {}


class RunLineRead(Read):
    academy_id: str
    role: str
    call_id: str
    paid: Decimal
    activity_ids: list[str] = []
    # For a call paying per place reached with a STEM-traject: the trajecten that made it
    # payable (activity, sessions held, first and last day; issue 15).
    trajecten: list[str] = []


class RunCallRead(Read):
    call_id: str
    role: str
    lines: list[RunLineRead] = []


class SkippedRead(Read):
    call_id: str
    missing: list[str] = []


class UsedParameterRead(Read):
    name: str
    value: object = None
    status: str = ""


class RunResultRead(Read):
    calls: list[RunCallRead] = []
    skipped: list[SkippedRead] = []
    illustrative: bool = False
    parameters: list[UsedParameterRead] = []


class RunDetailRead(Read):
    """Subsidy `GET /calculations/{run_id}`: the stored run with its whole result."""

    run_id: str
    year: int
    created_at: str
    result: RunResultRead


class ReportSource(Protocol):
    """Reads for one report. Any failure is an `UpstreamError` naming the service."""

    async def municipalities(self, year: int) -> list[MunicipalityRead]: ...

    async def coverage(self, year: int) -> CoverageRead: ...

    async def not_reached(self, year: int) -> list[NotReachedRead]: ...

    async def changes(self, from_year: int, to_year: int) -> ChangesRead: ...

    async def calendar_summary(self, year: int) -> CalendarSummaryRead: ...

    async def participant_reports(self, year: int) -> list[ReportRead]: ...

    async def completeness(self, year: int) -> CompletenessRead: ...

    async def follow_ups(self, year: int) -> list[FollowUpRead]: ...

    async def academies(self, ids: Sequence[str]) -> dict[str, AcademyRead]: ...

    async def recognised_on(self, day: date) -> list[DecisionRead]: ...

    async def reviews_due(self, before: date) -> list[DecisionRead]: ...

    async def calls(self, year: int) -> list[CallRead]: ...

    async def runs(self, year: int) -> list[RunRead]: ...

    async def run(self, run_id: str) -> RunDetailRead | None: ...
