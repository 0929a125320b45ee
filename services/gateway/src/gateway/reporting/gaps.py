"""What a year's data lacks, as the report's `gaps` (a kind and a sentence each): one function
per kind of data, in the order the report lists them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from gateway.adapters.registry import CompletenessRead
from gateway.reporting.model import Gap, Reach, Subsidies, TrendYear

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


def _open_year(year: int, today: date, closed: bool) -> list[Gap]:
    if closed:
        return []
    message = f"{year} is not over: the figures run to {today.isoformat()}."
    return [Gap(kind="year_not_closed", message=message)]


def _activities(year: int, trend: TrendYear) -> list[Gap]:
    if trend.activities == 0:
        return [Gap(kind="activities_missing", message=f"No activities were ingested for {year}.")]
    if trend.empty_months:
        months = ", ".join(MONTHS[m - 1] for m in trend.empty_months)
        message = (
            f"No activities on the STEM-kalender in {months} {year}: none were "
            "ingested for that period (or none took place)."
        )
        return [Gap(kind="activities_missing", message=message)]
    return []


def _reach(year: int, reach: Reach) -> list[Gap]:
    if reach.reached == 0:
        return [Gap(kind="no_reach", message=f"No municipality has reach in {year}.")]
    return []


def _participants(
    year: int, completeness: CompletenessRead, name: Callable[[str], str]
) -> list[Gap]:
    if completeness.recognised == 0:
        message = f"No academy was recognised in {year}."
        return [Gap(kind="participants_missing", message=message)]
    if completeness.not_reported:
        silent = ", ".join(sorted(name(a) for a in completeness.not_reported))
        message = (
            f"{len(completeness.not_reported)} of {completeness.recognised} recognised "
            f"academies did not report participants for {year}: {silent}."
        )
        return [Gap(kind="participants_missing", message=message)]
    return []


def _subsidies(year: int, subsidies: Subsidies) -> list[Gap]:
    gaps = []
    if not subsidies.calls:
        message = f"No subsidy call (rules) is known for {year}."
        gaps.append(Gap(kind="rules_unknown", message=message))
    elif subsidies.run_id is None:
        message = f"The subsidies of {year} have not been calculated."
        gaps.append(Gap(kind="not_calculated", message=message))
    for call in subsidies.calls:
        if not call.calculated and subsidies.run_id is not None:
            unknown = ", ".join(call.missing) or "not calculated"
            message = f"Call {call.call_id} ({call.role}): unknown: {unknown}."
            gaps.append(Gap(kind="rules_unknown", message=message))
    if subsidies.illustrative:
        message = "The subsidy amounts use illustrative parameter values."
        gaps.append(Gap(kind="illustrative", message=message))
    return gaps


def gaps_of(
    year: int,
    today: date,
    closed: bool,
    trend: TrendYear,
    reach: Reach,
    completeness: CompletenessRead,
    subsidies: Subsidies,
    name: Callable[[str], str],
) -> tuple[Gap, ...]:
    return (
        *_open_year(year, today, closed),
        *_activities(year, trend),
        *_reach(year, reach),
        *_participants(year, completeness, name),
        *_subsidies(year, subsidies),
    )
