"""What /ops (reach) shows: the map of the year coloured by how many academies reached each
municipality, reach per province, the trend with the municipalities newly reached and
dropped, the municipalities not reached with their follow-up; and a municipality's detail."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from gateway.adapters.subsidy import ChangesRead
from gateway.adapters.upstreams import UpstreamError
from gateway.ops_web import palette, queries, reads
from gateway.ops_web.queries import Answer, Executor
from gateway.ops_web.reads import FIRST_YEAR, Maps
from gateway.ops_web.svgmap import Drawing
from gateway.ops_web.views import Page, problem, share, years_shown


def _map(page: Page, answer: Answer, drawing: Drawing) -> dict[str, Any]:
    """The year's shapes, each with its reach class and the academies that reached it."""
    by_code = {m["nisCode"]: m for m in answer.data.get("municipalities") or []}
    shapes = []
    counts: Counter[str] = Counter()
    for shape in drawing.shapes:
        academies = [a["name"] for a in (by_code.get(shape.nis_code) or {}).get("reachedBy", [])]
        kind = palette.reach_class(len(academies))
        counts[kind.key] += 1
        label = f"{shape.name} ({shape.province}): {page.words['reach_' + kind.key]}"
        shapes.append({"shape": shape, "kind": kind.key, "label": label, "academies": academies})
    return {
        "map": {"width": drawing.width, "height": drawing.height, "shapes": shapes},
        "legend": [{"key": c.key, "fill": c.fill, "count": counts[c.key]} for c in palette.CLASSES],
    }


def _coverage(page: Page, answer: Answer) -> dict[str, Any]:
    coverage = answer.data.get("coverage") or {}
    provinces = [
        {**p, "share": share(p["reached"], p["total"], page.lang)}
        for p in coverage.get("provinces") or []
    ]
    return {
        "coverage": coverage,
        "coverage_share": share(
            coverage.get("reached") or 0, coverage.get("total") or 0, page.lang
        ),
        "coverage_error": problem(page, answer.error("coverage") or answer.error("municipalities")),
        "provinces": provinces,
    }


def _trend(
    page: Page,
    trend_years: list[int],
    trend: Answer,
    changes: Sequence[ChangesRead | BaseException | None],
    names: Mapping[str, str],
) -> dict[str, Any]:
    """Reach per year since FIRST_YEAR, with the municipalities newly reached and dropped."""
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
        "trend": trend_rows,
        "trend_error": problem(
            page,
            next(iter(trend.errors.values()), None)
            or (str(failed_changes[0]) if failed_changes else None),
        ),
    }


def _with_follow_ups(page: Page, answer: Answer) -> dict[str, Any]:
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
    return {
        "year": year,
        "years": years,
        **_map(page, answer, drawing),
        **_coverage(page, answer),
        **_trend(page, trend_years, trend, changes, names),
        **_with_follow_ups(page, answer),
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
