"""The report's port over HTTP: the gateway's adapters where they have the read, and the same
`get`/`parse` helpers for the reads only the report makes (so a failure is the same
`UpstreamError` naming the service)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import quote

from pydantic import TypeAdapter

from gateway.adapters import registry, subsidy
from gateway.adapters.http import MAX_BATCH, get, parse
from gateway.adapters.upstreams import Upstreams
from gateway.reporting.source import CalendarSummaryRead, RunDetailRead

_REPORTS = TypeAdapter(list[registry.ReportRead])
_DECISIONS = TypeAdapter(list[registry.DecisionRead])
_SUMMARY = TypeAdapter(CalendarSummaryRead)
_RUN = TypeAdapter(RunDetailRead)


class HttpReportSource:
    def __init__(self, upstreams: Upstreams) -> None:
        self.up = upstreams

    async def municipalities(self, year: int) -> list[registry.MunicipalityRead]:
        return await registry.municipalities(self.up.registry, year, None)

    async def coverage(self, year: int) -> subsidy.CoverageRead:
        return await subsidy.coverage(self.up.subsidy, year)

    async def not_reached(self, year: int) -> list[subsidy.NotReachedRead]:
        return await subsidy.not_reached(self.up.subsidy, year)

    async def changes(self, from_year: int, to_year: int) -> subsidy.ChangesRead:
        # On the later year's municipalities: a merger (2025) is then no change of reach.
        return await subsidy.reach_changes(self.up.subsidy, from_year, to_year, to_year)

    async def calendar_summary(self, year: int) -> CalendarSummaryRead:
        response = await get(self.up.activities, "activities", "/calendar/summary", year=year)
        found: CalendarSummaryRead = parse("activities", _SUMMARY, response)
        return found

    async def participant_reports(self, year: int) -> list[registry.ReportRead]:
        response = await get(self.up.registry, "registry", "/participant-reports", year=year)
        found: list[registry.ReportRead] = parse("registry", _REPORTS, response)
        return found

    async def completeness(self, year: int) -> registry.CompletenessRead:
        return await registry.reporting_completeness(self.up.registry, year)

    async def follow_ups(self, year: int) -> list[registry.FollowUpRead]:
        return await registry.follow_ups(self.up.registry, year)

    async def academies(self, ids: Sequence[str]) -> dict[str, registry.AcademyRead]:
        wanted = sorted(set(ids))
        found: dict[str, registry.AcademyRead] = {}
        for start in range(0, len(wanted), MAX_BATCH):
            batch = wanted[start : start + MAX_BATCH]
            found.update(await registry.academies_by_id(self.up.registry, batch))
        return found

    async def recognised_on(self, day: date) -> list[registry.DecisionRead]:
        response = await get(
            self.up.registry, "registry", "/recognition/recognised", on=day.isoformat()
        )
        found: list[registry.DecisionRead] = parse("registry", _DECISIONS, response)
        return found

    async def reviews_due(self, before: date) -> list[registry.DecisionRead]:
        return await registry.reviews_due(self.up.registry, before)

    async def calls(self, year: int) -> list[subsidy.CallRead]:
        return await subsidy.calls(self.up.subsidy, year)

    async def runs(self, year: int) -> list[subsidy.RunRead]:
        return await subsidy.runs(self.up.subsidy, year)

    async def run(self, run_id: str) -> RunDetailRead | None:
        path = f"/calculations/{quote(run_id, safe='')}"
        response = await get(self.up.subsidy, "subsidy", path)
        if response.status_code == 404:
            return None
        found: RunDetailRead = parse("subsidy", _RUN, response)
        return found
