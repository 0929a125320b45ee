"""What each page shows, built from the GraphQL answers and the few REST reads."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import Request

from gateway.adapters import subsidy
from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.ops_web import palette, queries, reads
from gateway.ops_web.queries import Answer, Executor
from gateway.ops_web.reads import FIRST_YEAR, Maps
from gateway.schema.context import Caller
from gateway.schema.scopes import QUARANTINE

REVIEW_HORIZON = timedelta(days=183)  # reviews due in the coming half year


@dataclass(frozen=True)
class Page:
    """Where a page is asked from: its request, signed-in caller, language and labels."""

    request: Request
    caller: Caller
    lang: str
    words: Mapping[str, str]

    async def ask(self, executor: Executor, query: str, **variables: Any) -> Answer:
        return await executor.run(self.request, self.caller, query, variables)

    @property
    def upstreams(self) -> Upstreams:
        found: Upstreams = self.request.app.state.upstreams
        return found


def years_shown(today: date) -> list[int]:
    return list(range(FIRST_YEAR, today.year + 1))


def share(part: int, whole: int, lang: str) -> str:
    if whole == 0:
        return "-"
    text = f"{100 * part / whole:.1f}"
    return f"{text.replace('.', ',')} %" if lang == "nl" else f"{text}%"


def problem(page: Page, message: str | None) -> str | None:
    """A section's error in the page's words: a missing scope, an upstream down."""
    if message is None:
        return None
    if "scope" in message:
        scope = message.split("'")[1] if "'" in message else "?"
        return page.words["no_access"].format(scope=scope)
    return page.words["unavailable"].format(reason=message)


async def reach_page(
    page: Page, executor: Executor, maps: Maps, year: int, today: date
) -> dict[str, Any]:
    years = years_shown(today)
    trend_years = [y for y in years if y <= max(year, years[-1])]
    answer, trend, drawing, before = await asyncio.gather(
        page.ask(executor, queries.REACH, year=year),
        page.ask(executor, queries.coverage_trend(range(trend_years[0], trend_years[-1] + 1))),
        maps.of_year(page.upstreams.registry, year),
        maps.of_year(page.upstreams.registry, max(year - 1, FIRST_YEAR)),
    )
    changes = await asyncio.gather(
        *(reads.changes(page.upstreams.subsidy, y) for y in trend_years[1:]),
        return_exceptions=True,
    )
    names = {s.nis_code: s.name for s in (*before.shapes, *drawing.shapes)}
    by_code = {m["nisCode"]: m for m in answer.data.get("municipalities") or []}
    shapes = []
    counts: Counter[str] = Counter()
    for shape in drawing.shapes:
        academies = [a["name"] for a in (by_code.get(shape.nis_code) or {}).get("reachedBy", [])]
        kind = palette.reach_class(len(academies))
        counts[kind.key] += 1
        label = f"{shape.name} ({shape.province}): {page.words['reach_' + kind.key]}"
        shapes.append({"shape": shape, "kind": kind.key, "label": label, "academies": academies})
    coverage = answer.data.get("coverage") or {}
    provinces = [
        {**p, "share": share(p["reached"], p["total"], page.lang)}
        for p in coverage.get("provinces") or []
    ]
    change_of = {
        c.to_year: c for c in changes if not isinstance(c, BaseException) and c is not None
    }
    trend_rows = []
    for y in trend_years:
        found = trend.data.get(f"y{y}") or {}
        change = change_of.get(y)
        trend_rows.append(
            {
                "year": y,
                "reached": found.get("reached"),
                "total": found.get("total"),
                "share": share(found.get("reached") or 0, found.get("total") or 0, page.lang),
                "newly": None
                if change is None
                else [names.get(c, c) for c in change.newly_reached],
                "dropped": None if change is None else [names.get(c, c) for c in change.dropped],
            }
        )
    failed_changes = [c for c in changes if isinstance(c, UpstreamError)]
    return {
        "year": year,
        "years": years,
        "map": {"width": drawing.width, "height": drawing.height, "shapes": shapes},
        "legend": [{"key": c.key, "fill": c.fill, "count": counts[c.key]} for c in palette.CLASSES],
        "coverage": coverage,
        "coverage_share": share(
            coverage.get("reached") or 0, coverage.get("total") or 0, page.lang
        ),
        "coverage_error": problem(page, answer.error("coverage") or answer.error("municipalities")),
        "provinces": provinces,
        "trend": trend_rows,
        "trend_error": problem(
            page,
            next(iter(trend.errors.values()), None)
            or (str(failed_changes[0]) if failed_changes else None),
        ),
        **_with_follow_ups(page, answer),
    }


def _with_follow_ups(page: Page, answer: queries.Answer) -> dict[str, Any]:
    """The municipalities not reached, each with the follow-up recorded for it (Q2b/c), and
    how many have none (unknown when the follow-ups could not be read)."""
    recorded = {f["nisCode"]: f for f in answer.data.get("municipalityFollowUps") or []}
    error = answer.error("municipalityFollowUps")
    uncovered = [
        {**m, "followUp": recorded.get(m["nisCode"])}
        for m in answer.data.get("uncoveredMunicipalities") or []
    ]
    return {
        "uncovered": uncovered,
        "uncovered_error": problem(page, answer.error("uncoveredMunicipalities")),
        "follow_up_error": problem(page, error),
        "follow_up_missing": None if error else sum(m["followUp"] is None for m in uncovered),
    }


def _named(codes: list[str] | None, names: Mapping[str, str]) -> list[str] | None:
    return None if codes is None else [names.get(c, c) for c in codes]


async def municipality_detail(
    page: Page, executor: Executor, year: int, nis_code: str
) -> dict[str, Any] | None:
    """Which academies reached the municipality that year, each with its activities there,
    and all activities that took place there that year (None: not a municipality then)."""
    answer = await page.ask(
        executor,
        queries.DETAIL,
        year=year,
        nisCodes=[nis_code],
        **{"from": f"{year}-01-01T00:00:00Z", "to": f"{year}-12-31T23:59:59Z"},
    )
    found = next(
        (m for m in answer.data.get("municipalities") or [] if m["nisCode"] == nis_code), None
    )
    if found is None:
        error = answer.error("municipalities")
        return None if error is None else {"error": problem(page, error)}
    activities = (answer.data.get("activities") or {}).get("nodes") or []
    academies = [
        {
            "name": a["name"],
            "activities": [
                b["name"] for b in activities if (b.get("academy") or {}).get("id") == a["id"]
            ],
        }
        for a in found.get("reachedBy") or []
    ]
    return {
        "year": year,
        "nis_code": nis_code,
        "name": found["name"],
        "province": found["province"],
        "academies": academies,
        "activities": [
            {
                "name": a["name"],
                "start": (a.get("occurrences") or [{}])[0].get("start", "")[:10],
                "academy": (a.get("academy") or {}).get("name"),
            }
            for a in activities
        ],
        "error": problem(page, answer.error("activities")),
    }


async def follow_up_page(page: Page, executor: Executor, year: int, today: date) -> dict[str, Any]:
    before = today + REVIEW_HORIZON
    answer, calls = await asyncio.gather(
        page.ask(executor, queries.FOLLOW_UP, year=year, before=before.isoformat()),
        subsidy.calls(page.upstreams.subsidy, year),
        return_exceptions=True,
    )
    if isinstance(answer, BaseException):
        raise answer
    rules_error = str(calls) if isinstance(calls, UpstreamError) else None
    if isinstance(calls, BaseException) and rules_error is None:
        raise calls
    academies = {a["id"]: a["name"] for a in (answer.data.get("academies") or {}).get("nodes", [])}
    reports_of = await asyncio.gather(
        *(
            page.ask(executor, queries.PARTICIPANT_REPORTS, academyId=a, year=year)
            for a in academies
        )
    )
    reports = sorted(
        (
            {**r, "academy": academies.get(r["academyId"], r["academyId"])}
            for found in reports_of
            for r in found.data.get("participantReports") or []
        ),
        key=lambda r: (r["academy"], r["quarter"] or 0),
    )
    reports_error = next((e for a in reports_of for e in a.errors.values()), None)
    completeness = answer.data.get("reportingCompleteness")
    per_role: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"academies": set(), "paid": Decimal(0), "illustrative": False}
    )
    subsidies = answer.data.get("subsidies")
    for s in subsidies or []:
        row = per_role[s["role"]]
        row["academies"].add(s["academyId"])
        row["paid"] += Decimal(str(s["paidEur"]))
        row["illustrative"] = row["illustrative"] or s["illustrative"]
    return {
        "year": year,
        "years": years_shown(today),
        "before": before.isoformat(),
        "reviews": [
            {**r, "academy": academies.get(r["academyId"], r["academyId"])}
            for r in answer.data.get("recognitionReviewsDue") or []
        ],
        "reviews_error": problem(page, answer.error("recognitionReviewsDue")),
        "completeness": completeness
        and {
            **completeness,
            "share_text": share(completeness["reported"], completeness["recognised"], page.lang),
            "not_reported_names": [academies.get(a, a) for a in completeness["notReported"]],
        },
        "completeness_error": problem(page, answer.error("reportingCompleteness")),
        "reports": reports,
        "reports_error": problem(page, reports_error),
        "rules_known": bool(calls) and rules_error is None,
        "subsidies": None
        if subsidies is None
        else [
            {
                "role": role,
                "academies": len(row["academies"]),
                "paid": f"{row['paid']:.2f}",
                "illustrative": row["illustrative"],
            }
            for role, row in sorted(per_role.items())
        ],
        "subsidies_error": problem(page, answer.error("subsidies") or rules_error),
    }


async def ingestion_page(page: Page, executor: Executor, upstream_token: str) -> dict[str, Any]:
    """Quarantine and dead letters through GraphQL; the consumers' lag and the poller's
    sync from the services' ops reads, which the gateway calls with the platform's token,
    so it checks the caller's `quarantine` scope itself, as GraphQL would."""
    allowed = QUARANTINE in page.caller.scopes
    upstreams = page.upstreams
    answer, activities_lag, subsidy_lag, poller = await asyncio.gather(
        page.ask(executor, queries.INGESTION),
        reads.consumer_lag(upstreams.activities, "activities", upstream_token),
        reads.consumer_lag(upstreams.subsidy, "subsidy", upstream_token),
        reads.poller_status(upstreams.activities, upstream_token),
        return_exceptions=True,
    )
    if isinstance(answer, BaseException):
        raise answer
    denied = page.words["no_access"].format(scope=QUARANTINE)

    def shown(found: object) -> tuple[Any, str | None]:
        if not allowed:
            return None, denied
        if isinstance(found, UpstreamError):
            return None, problem(page, str(found))
        if isinstance(found, BaseException):
            raise found
        return found, None

    lags = [
        (name, *shown(found))
        for name, found in (("activities", activities_lag), ("subsidy", subsidy_lag))
    ]
    cursors, poller_error = shown(poller)
    return {
        "quarantine": answer.data.get("quarantine"),
        "quarantine_error": problem(page, answer.error("quarantine")),
        "unknown_organizers": answer.data.get("unknownOrganizers"),
        "unknown_organizers_error": problem(page, answer.error("unknownOrganizers")),
        "place_disagreements": answer.data.get("placeDisagreements"),
        "place_disagreements_error": problem(page, answer.error("placeDisagreements")),
        "dead_letters": [
            {
                "service": service,
                "items": answer.data.get(f"{service}DeadLetters"),
                "error": problem(page, answer.error(f"{service}DeadLetters")),
            }
            for service in ("activities", "subsidy")
        ],
        "lags": [{"service": name, "lag": lag, "error": error} for name, lag, error in lags],
        "poller": cursors,
        "poller_error": poller_error,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
