"""Assemble the report of a year from the upstream reads (`source.ReportSource`).

Everything is computed here from what the services answer; nothing is stored. What the
data lacks is collected as `Gap`s, so that a year with missing data says so, and what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from gateway.adapters.registry import CompletenessRead, MunicipalityRead, ReportRead
from gateway.adapters.subsidy import CallRead, CoverageRead, NotReachedRead
from gateway.reporting.follow_up import follow_ups_of
from gateway.reporting.model import (
    FIRST_YEAR,
    QUARTERS,
    AcademyParticipants,
    CallStatus,
    Count,
    Gap,
    NearAcademy,
    NotReached,
    Participants,
    Place,
    ProvinceReach,
    Reach,
    Recognition,
    RecognitionState,
    ReviewDue,
    Subsidies,
    SubsidyLine,
    TrendYear,
    YearReport,
)
from gateway.reporting.source import CalendarSummaryRead, ReportSource, RunDetailRead

Progress = Callable[[str], None]

# UiTdatabank theme ids relevant to STEM (uitdatabank.md §6); others are shown by their id.
THEMES = {
    "1.25.0.0.0": "Wetenschap",
    "1.21.0.0.0": "Computer en techniek",
    "1.64.0.0.0": "Milieu en natuur",
    "1.63.0.0.0": "Landbouw en platteland",
    "1.65.0.0.0": "Voeding",
    "1.42.0.0.0": "Creativiteit",
    "": "(no theme)",
}
AGE_GROUPS = {
    "under_14": "under 14",
    "14_and_over": "14 and over",
    "both": "under 14 and over (the range spans 14)",
    "unknown": "unknown (no age range)",
}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


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


async def build_report(
    source: ReportSource, year: int, *, today: date, progress: Progress | None = None
) -> YearReport:
    """The report of `year` as the services hold it on `today`."""
    check_year(year, today)
    say = progress or (lambda _: None)
    closed = year < today.year
    on = date(year, 12, 31) if closed else today

    places: dict[int, dict[str, MunicipalityRead]] = {}
    coverages: dict[int, CoverageRead] = {}
    trend: list[TrendYear] = []
    summaries: dict[int, CalendarSummaryRead] = {}
    for y in range(FIRST_YEAR, year + 1):
        say(f"trend {y}: municipalities, coverage, changes, activities")
        places[y] = {m.nis_code: m for m in await source.municipalities(y)}
        coverages[y] = await source.coverage(y)
        summaries[y] = await source.calendar_summary(y)
        changes = await source.changes(y - 1, y) if y > FIRST_YEAR else None
        trend.append(
            _trend_year(
                y,
                coverages[y],
                summaries[y],
                None if changes is None else (changes.newly_reached, changes.dropped),
                places[y],
                today,
            )
        )

    say(f"reach {year}: not reached, with the nearest academies")
    not_reached = await source.not_reached(year)
    say(f"participants {year}: reports and completeness")
    reports = await source.participant_reports(year)
    completeness = await source.completeness(year)
    say(f"follow-up {year}: why municipalities are not reached, what follows (Q2b/c)")
    recorded = await source.follow_ups(year)
    say(f"recognition: states on {on.isoformat()} and reviews due")
    recognised = await source.recognised_on(on)
    due = await source.reviews_due(date(year + 1, 1, 1))
    say(f"subsidies {year}: calls and the latest calculation run")
    calls = await source.calls(year)
    runs = await source.runs(year)
    latest = max(runs, key=lambda r: r.created_at) if runs else None
    run = await source.run(latest.run_id) if latest is not None else None

    wanted = {r.academy_id for r in reports} | set(completeness.not_reported)
    wanted |= {d.academy_id for d in (*recognised, *due)}
    wanted |= {a.academy_id for m in not_reached for a in m.nearest_active_academies}
    if run is not None:
        wanted |= {line.academy_id for call in run.result.calls for line in call.lines}
    say(f"registry: names of {len(wanted)} academies")
    names = {i: a.name for i, a in (await source.academies(sorted(wanted))).items()}

    def name(academy_id: str) -> str:
        return names.get(academy_id, academy_id)

    reach = _reach(coverages[year], not_reached, places[year], name)
    participants = _participants(reports, completeness, name)
    recognition = Recognition(
        on=on,
        recognised=tuple(
            sorted(
                (
                    RecognitionState(
                        academy_id=d.academy_id,
                        name=name(d.academy_id),
                        status=d.status,
                        valid_until=d.valid_until,
                    )
                    for d in recognised
                ),
                key=lambda s: (s.name, s.academy_id),
            )
        ),
        reviews_due=tuple(
            ReviewDue(
                academy_id=d.academy_id,
                name=name(d.academy_id),
                status=d.status,
                valid_until=d.valid_until,
                overdue=d.valid_until < on,
            )
            for d in due
            if d.valid_until is not None
        ),
    )
    subsidies = _subsidies(year, calls, run, name)
    gaps = _gaps(year, today, closed, trend[-1], reach, completeness, subsidies, name)
    say("done")
    return YearReport(
        year=year,
        generated_on=today,
        closed=closed,
        reach=reach,
        participants=participants,
        recognition=recognition,
        trend=tuple(trend),
        subsidies=subsidies,
        gaps=gaps,
        follow_ups=follow_ups_of(reach, recorded),
    )


def _place(nis_code: str, places: dict[str, MunicipalityRead]) -> Place:
    found = places.get(nis_code)
    return Place(nis_code=nis_code, name=found.name_nl if found else nis_code)


def _reach(
    coverage: CoverageRead,
    not_reached: list[NotReachedRead],
    places: dict[str, MunicipalityRead],
    name: Callable[[str], str],
) -> Reach:
    missing = {m.nis_code: m for m in not_reached}
    provinces = []
    for p in sorted(coverage.provinces, key=lambda p: p.province):
        reached = sorted((_place(n, places) for n in p.reached_nis_codes), key=_by_name)
        lacking = []
        for nis_code in p.not_reached_nis_codes:
            known = missing.get(nis_code)
            near = () if known is None else known.nearest_active_academies
            lacking.append(
                NotReached(
                    nis_code=nis_code,
                    name=known.name if known else _place(nis_code, places).name,
                    nearest=tuple(
                        NearAcademy(
                            academy_id=a.academy_id, name=a.name or name(a.academy_id), km=a.km
                        )
                        for a in near
                    ),
                )
            )
        provinces.append(
            ProvinceReach(
                province=p.province,
                reached=tuple(reached),
                not_reached=tuple(sorted(lacking, key=_by_name)),
            )
        )
    apart = coverage.unrecognised
    return Reach(
        provinces=tuple(provinces),
        counted=_counted(coverage),
        unrecognised_activities=apart.activities,
        unrecognised_academies=len(apart.academy_ids),
        only_unrecognised=tuple(
            sorted((_place(n, places) for n in apart.only_these), key=_by_name)
        ),
    )


def _counted(coverage: CoverageRead) -> str:
    """Which academies the year's figures count, and the rule that says so (issue 15)."""
    who = (
        "every academy of the STEM-academie network, recognised or not (as in 2019, before "
        "the new recognition)"
        if coverage.academies_counted == "network"
        else "the academies recognised on the date of each session"
    )
    return f"Counted: {who}; rule {coverage.rule}." if coverage.rule else f"Counted: {who}."


def _by_name(place: Place | NotReached) -> tuple[str, str]:
    return (place.name, place.nis_code)


def _participants(
    reports: list[ReportRead], completeness: CompletenessRead, name: Callable[[str], str]
) -> Participants:
    by_academy: dict[str, dict[int | None, ReportRead]] = {}
    for report in reports:
        by_academy.setdefault(report.academy_id, {})[report.quarter] = report
    rows = []
    for academy_id, periods in by_academy.items():
        whole = periods.get(None)
        quarters = tuple(periods[q].participants if q in periods else None for q in QUARTERS)
        given = [periods[q] for q in QUARTERS if q in periods]
        if whole is not None:
            total, under, over = whole.participants, whole.under_14, whole.from_14
        else:
            total = sum(r.participants for r in given)
            split = all(r.under_14 is not None and r.from_14 is not None for r in given)
            under = sum(r.under_14 or 0 for r in given) if split else None
            over = sum(r.from_14 or 0 for r in given) if split else None
        rows.append(
            AcademyParticipants(
                academy_id=academy_id,
                name=name(academy_id),
                participants=total,
                from_quarters=whole is None,
                quarters=(quarters[0], quarters[1], quarters[2], quarters[3]),
                under_14=under,
                from_14=over,
            )
        )
    silent = [
        AcademyParticipants(
            academy_id=a,
            name=name(a),
            participants=None,
            from_quarters=False,
            quarters=(None, None, None, None),
            under_14=None,
            from_14=None,
        )
        for a in completeness.not_reported
        if a not in by_academy
    ]
    ordered = sorted(rows, key=lambda r: (r.name, r.academy_id))
    ordered += sorted(silent, key=lambda r: (r.name, r.academy_id))
    return Participants(
        recognised=completeness.recognised,
        reported=completeness.reported,
        academies=tuple(ordered),
    )


def _counts(
    found: dict[str, int], labels: dict[str, str], order: Iterable[str] = ()
) -> list[Count]:
    rank = {key: n for n, key in enumerate(order)}
    counts = [Count(key=k, label=labels.get(k, k), count=v) for k, v in found.items() if v]
    return sorted(counts, key=lambda c: (rank.get(c.key, len(rank)), -c.count, c.key))


def _trend_year(
    year: int,
    coverage: CoverageRead,
    summary: CalendarSummaryRead,
    changes: tuple[list[str], list[str]] | None,
    places: dict[str, MunicipalityRead],
    today: date,
) -> TrendYear:
    # Months that are over (all twelve of a closed year) and hold no activity at all.
    last_month = 12 if year < today.year else today.month - 1
    empty = tuple(m for m in range(1, last_month + 1) if not summary.months.get(f"{m:02d}", 0))

    def named(codes: list[str]) -> tuple[Place, ...]:
        return tuple(sorted((_place(n, places) for n in codes), key=_by_name))

    return TrendYear(
        year=year,
        reached=coverage.reached,
        total=coverage.total,
        newly_reached=None if changes is None else named(changes[0]),
        dropped=None if changes is None else named(changes[1]),
        activities=summary.activities,
        empty_months=empty,
        themes=tuple(_counts(summary.themes, THEMES)),
        age_groups=tuple(_counts(summary.age_groups, AGE_GROUPS, AGE_GROUPS)),
    )


def _subsidies(
    year: int, calls: list[CallRead], run: RunDetailRead | None, name: Callable[[str], str]
) -> Subsidies:
    calculated = {c.call_id for c in run.result.calls} if run else set()
    missing = {s.call_id: tuple(s.missing) for s in run.result.skipped} if run else {}
    statuses = tuple(
        CallStatus(
            call_id=c.call_id,
            role=c.role,
            source=c.source,
            calculated=c.call_id in calculated,
            missing=missing.get(c.call_id, ()),
        )
        for c in calls
    )
    totals: dict[tuple[str, str, str], Decimal] = {}
    for call in run.result.calls if run else ():
        for line in call.lines:
            key = (line.academy_id, line.role, line.call_id)
            totals[key] = totals.get(key, Decimal(0)) + line.paid
    lines = tuple(
        sorted(
            (
                SubsidyLine(academy_id=a, name=name(a), role=role, call_id=call, paid_eur=paid)
                for (a, role, call), paid in totals.items()
            ),
            key=lambda s: (s.role, s.name, s.call_id),
        )
    )
    if not calls:
        note = (
            f"No subsidy call is known for {year} (subsidy-rules.md §4): the rules of that "
            "year are unknown, so no subsidies per role can be given."
        )
    elif run is None:
        note = f"No calculation run for {year} yet: the subsidies have not been calculated."
    else:
        note = (
            f"From calculation run {run.run_id} of {run.created_at}."
            + (
                " It uses ILLUSTRATIVE parameter values (development), not real amounts."
                if run.result.illustrative
                else ""
            )
            + _trajecten_note(run)
        )
    return Subsidies(
        rules_known=bool(calculated),
        run_id=run.run_id if run else None,
        illustrative=bool(run and run.result.illustrative),
        calls=statuses,
        lines=lines,
        note=note,
    )


MIN_SESSIONS = "stem/recognition/min_sessions_per_traject"


def _trajecten_note(run: RunDetailRead) -> str:
    """How many STEM-trajecten made places payable (issue 15, ADR 0013): the calls paying
    per place reached pay only trajecten; reach counts every held session."""
    lines = [ln for c in run.result.calls for ln in c.lines if ln.trajecten and ln.paid > 0]
    minimum = next((p.value for p in run.result.parameters if p.name == MIN_SESSIONS), None)
    if minimum is None:  # no call paying per place was calculated
        return ""
    trajecten = {a for ln in lines for a in ln.activity_ids}
    return (
        f" Places are paid only where a STEM-traject was held (at least {minimum} sessions,"
        f" {MIN_SESSIONS}; reach counts every session): {len(trajecten)} trajecten made"
        f" {len(lines)} places payable."
    )


def _gaps(
    year: int,
    today: date,
    closed: bool,
    trend: TrendYear,
    reach: Reach,
    completeness: CompletenessRead,
    subsidies: Subsidies,
    name: Callable[[str], str],
) -> tuple[Gap, ...]:
    gaps = []
    if not closed:
        gaps.append(
            Gap(
                kind="year_not_closed",
                message=f"{year} is not over: the figures run to {today.isoformat()}.",
            )
        )
    if trend.activities == 0:
        gaps.append(
            Gap(kind="activities_missing", message=f"No activities were ingested for {year}.")
        )
    elif trend.empty_months:
        months = ", ".join(MONTHS[m - 1] for m in trend.empty_months)
        gaps.append(
            Gap(
                kind="activities_missing",
                message=f"No activities on the STEM-kalender in {months} {year}: none were "
                "ingested for that period (or none took place).",
            )
        )
    if reach.reached == 0:
        gaps.append(Gap(kind="no_reach", message=f"No municipality has reach in {year}."))
    if completeness.recognised == 0:
        gaps.append(
            Gap(kind="participants_missing", message=f"No academy was recognised in {year}.")
        )
    elif completeness.not_reported:
        silent = ", ".join(sorted(name(a) for a in completeness.not_reported))
        gaps.append(
            Gap(
                kind="participants_missing",
                message=f"{len(completeness.not_reported)} of {completeness.recognised} recognised "
                f"academies did not report participants for {year}: {silent}.",
            )
        )
    if not subsidies.calls:
        gaps.append(
            Gap(kind="rules_unknown", message=f"No subsidy call (rules) is known for {year}.")
        )
    elif subsidies.run_id is None:
        gaps.append(
            Gap(kind="not_calculated", message=f"The subsidies of {year} have not been calculated.")
        )
    for call in subsidies.calls:
        if not call.calculated and subsidies.run_id is not None:
            unknown = ", ".join(call.missing) or "not calculated"
            gaps.append(
                Gap(
                    kind="rules_unknown",
                    message=f"Call {call.call_id} ({call.role}): unknown: {unknown}.",
                )
            )
    if subsidies.illustrative:
        gaps.append(
            Gap(
                kind="illustrative",
                message="The subsidy amounts use illustrative parameter values.",
            )
        )
    return tuple(gaps)
