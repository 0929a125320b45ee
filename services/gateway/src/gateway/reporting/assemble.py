"""Assemble the report of a year from the upstream reads (`source.ReportSource`).

Everything is computed from what the services answer; nothing is stored. The steps: the
trend since FIRST_YEAR (trend.py), the year's own reads, the academies' names, then one
section each (reach.py, participants.py, recognition here, subsidies.py) and what the data
lacks as `Gap`s (gaps.py), so that a year with missing data says so, and what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from gateway.adapters.registry import (
    CompletenessRead,
    DecisionRead,
    FollowUpRead,
    MunicipalityRead,
    ReportRead,
)
from gateway.adapters.subsidy import CallRead, CoverageRead, NotReachedRead
from gateway.reporting.follow_up import follow_ups_of
from gateway.reporting.gaps import gaps_of
from gateway.reporting.model import (
    FIRST_YEAR,
    Recognition,
    RecognitionState,
    ReviewDue,
    TrendYear,
    YearReport,
)
from gateway.reporting.participants import participants_of
from gateway.reporting.reach import reach_of
from gateway.reporting.source import ReportSource, RunDetailRead
from gateway.reporting.subsidies import subsidies_of
from gateway.reporting.trend import trend_year

Progress = Callable[[str], None]
Names = Callable[[str], str]


class YearOutOfRange(ValueError):
    """The report covers FIRST_YEAR up to the current year."""

    def __init__(self, year: int, today: date) -> None:
        super().__init__(
            f"no report for {year}: choose a year from {FIRST_YEAR} to {today.year} "
            f"(the data starts in {FIRST_YEAR}; a later year has not begun)"
        )


def check_year(year: int, today: date) -> None:
    if not FIRST_YEAR <= year <= today.year:
        raise YearOutOfRange(year, today)


@dataclass(frozen=True)
class _Trend:
    years: tuple[TrendYear, ...]
    coverage: CoverageRead  # of the report's year
    places: dict[str, MunicipalityRead]  # the report's year's municipalities, by NIS code


@dataclass(frozen=True)
class _YearReads:
    """What the services answer about the report's year, beside the trend."""

    not_reached: list[NotReachedRead]
    reports: list[ReportRead]
    completeness: CompletenessRead
    follow_ups: list[FollowUpRead]
    recognised: list[DecisionRead]
    due: list[DecisionRead]
    calls: list[CallRead]
    run: RunDetailRead | None  # the year's latest calculation run


async def _trend(source: ReportSource, year: int, today: date, say: Progress) -> _Trend:
    years = []
    places: dict[str, MunicipalityRead] = {}
    for y in range(FIRST_YEAR, year + 1):
        say(f"trend {y}: municipalities, coverage, changes, activities")
        places = {m.nis_code: m for m in await source.municipalities(y)}
        coverage = await source.coverage(y)
        summary = await source.calendar_summary(y)
        changes = await source.changes(y - 1, y) if y > FIRST_YEAR else None
        moved = None if changes is None else (changes.newly_reached, changes.dropped)
        years.append(trend_year(y, coverage, summary, moved, places, today))
    return _Trend(tuple(years), coverage, places)


async def _year_reads(source: ReportSource, year: int, on: date, say: Progress) -> _YearReads:
    say(f"reach {year}: not reached, with the nearest academies")
    not_reached = await source.not_reached(year)
    say(f"participants {year}: reports and completeness")
    reports = await source.participant_reports(year)
    completeness = await source.completeness(year)
    say(f"follow-up {year}: why municipalities are not reached, what follows (Q2b/c)")
    follow_ups = await source.follow_ups(year)
    say(f"recognition: states on {on.isoformat()} and reviews due")
    recognised = await source.recognised_on(on)
    due = await source.reviews_due(date(year + 1, 1, 1))
    say(f"subsidies {year}: calls and the latest calculation run")
    calls = await source.calls(year)
    runs = await source.runs(year)
    latest = max(runs, key=lambda r: r.created_at) if runs else None
    run = await source.run(latest.run_id) if latest is not None else None
    return _YearReads(not_reached, reports, completeness, follow_ups, recognised, due, calls, run)


async def _names(source: ReportSource, reads: _YearReads, say: Progress) -> Names:
    """The names of the academies the report lists (their id when the registry has none)."""
    wanted = {r.academy_id for r in reads.reports} | set(reads.completeness.not_reported)
    wanted |= {d.academy_id for d in (*reads.recognised, *reads.due)}
    wanted |= {a.academy_id for m in reads.not_reached for a in m.nearest_active_academies}
    if reads.run is not None:
        wanted |= {line.academy_id for call in reads.run.result.calls for line in call.lines}
    say(f"registry: names of {len(wanted)} academies")
    names = {i: a.name for i, a in (await source.academies(sorted(wanted))).items()}

    def name(academy_id: str) -> str:
        return names.get(academy_id, academy_id)

    return name


def _recognition(on: date, reads: _YearReads, name: Names) -> Recognition:
    states = (
        RecognitionState(
            academy_id=d.academy_id,
            name=name(d.academy_id),
            status=d.status,
            valid_until=d.valid_until,
        )
        for d in reads.recognised
    )
    return Recognition(
        on=on,
        recognised=tuple(sorted(states, key=lambda s: (s.name, s.academy_id))),
        reviews_due=tuple(
            ReviewDue(
                academy_id=d.academy_id,
                name=name(d.academy_id),
                status=d.status,
                valid_until=d.valid_until,
                overdue=d.valid_until < on,
            )
            for d in reads.due
            if d.valid_until is not None
        ),
    )


async def build_report(
    source: ReportSource, year: int, *, today: date, progress: Progress | None = None
) -> YearReport:
    """The report of `year` as the services hold it on `today`."""
    check_year(year, today)
    say = progress or (lambda _: None)
    closed = year < today.year
    on = date(year, 12, 31) if closed else today
    trend = await _trend(source, year, today, say)
    reads = await _year_reads(source, year, on, say)
    name = await _names(source, reads, say)
    reach = reach_of(trend.coverage, reads.not_reached, trend.places, name)
    subsidies = subsidies_of(year, reads.calls, reads.run, name)
    gaps = gaps_of(year, today, closed, trend.years[-1], reach, reads.completeness, subsidies, name)
    say("done")
    return YearReport(
        year=year,
        generated_on=today,
        closed=closed,
        reach=reach,
        participants=participants_of(reads.reports, reads.completeness, name),
        recognition=_recognition(on, reads, name),
        trend=trend.years,
        subsidies=subsidies,
        gaps=gaps,
        follow_ups=follow_ups_of(reach, reads.follow_ups),
    )
