"""What /ops/follow-up shows: recognition reviews due in the coming half year, participant
reporting (completeness and each report) and the subsidies per role of the year."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from gateway.adapters import subsidy
from gateway.adapters.upstreams import UpstreamError
from gateway.ops_web import queries
from gateway.ops_web.queries import Answer, Executor
from gateway.ops_web.views import Page, problem, share, years_shown

REVIEW_HORIZON = timedelta(days=183)  # reviews due in the coming half year


async def _reports(
    page: Page, executor: Executor, year: int, academies: Mapping[str, str]
) -> dict[str, Any]:
    """Each academy's participant reports of the year (one GraphQL operation per academy)."""
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
    return {"reports": reports, "reports_error": problem(page, reports_error)}


def _completeness(page: Page, answer: Answer, academies: Mapping[str, str]) -> dict[str, Any]:
    completeness = answer.data.get("reportingCompleteness")
    return {
        "completeness": completeness
        and {
            **completeness,
            "share_text": share(completeness["reported"], completeness["recognised"], page.lang),
            "not_reported_names": [academies.get(a, a) for a in completeness["notReported"]],
        },
        "completeness_error": problem(page, answer.error("reportingCompleteness")),
    }


def _subsidies(
    page: Page, answer: Answer, calls: object, rules_error: str | None
) -> dict[str, Any]:
    """The year's subsidies per role: academies, amount paid, illustrative or not."""
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
    return {
        "year": year,
        "years": years_shown(today),
        "before": before.isoformat(),
        "reviews": [
            {**r, "academy": academies.get(r["academyId"], r["academyId"])}
            for r in answer.data.get("recognitionReviewsDue") or []
        ],
        "reviews_error": problem(page, answer.error("recognitionReviewsDue")),
        **_completeness(page, answer, academies),
        **await _reports(page, executor, year, academies),
        **_subsidies(page, answer, calls, rules_error),
    }
