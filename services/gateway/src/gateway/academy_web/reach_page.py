"""/academie: the session's academy's reach in a year, the municipalities and activities
counted, and the activities not counted with why (not_counted.py)."""

from __future__ import annotations

import time
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response

from gateway.academy_web.not_counted import not_counted
from gateway.academy_web.pages import FIRST_YEAR, AcademyPages, SelfService
from gateway.academy_web.signin import to_login
from gateway.academy_web.words import language
from gateway.adapters.upstreams import UpstreamError, Upstreams


def _rows(reach: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per municipality reached, with the activities that reached it."""
    rows = []
    for entry in reach:
        for place in entry.get("municipalities") or [entry]:
            rows.append(
                {
                    "nis_code": place.get("nis_code"),
                    "name": place.get("name") or place.get("nis_code"),
                    "activities": place.get("activity_ids") or [],
                }
            )
    return rows


def reach_router(pages: AcademyPages) -> APIRouter:
    router = APIRouter(prefix="/academie", include_in_schema=False)

    @router.get("")
    async def reach(request: Request, lang: str | None = None, year: int | None = None) -> Response:
        chosen, principal = language(lang), pages.who(request)
        if principal is None:
            return to_login(chosen)
        today = time.gmtime().tm_year
        shown_year = year if year and FIRST_YEAR <= year <= today else today
        upstreams: Upstreams = request.app.state.upstreams
        try:
            mine = await SelfService(request, principal).own()
            found = await upstreams.subsidy.get(
                "/reach", params={"academy_id": principal.academy_id, "year": shown_year}
            )
            found.raise_for_status()
            asked = {r["organizer_id"] for r in mine["link_requests"] if r["status"] == "pending"}
            apart, cut = await not_counted(upstreams, principal.academy_id or "", asked, shown_year)
        except (UpstreamError, httpx.HTTPError) as exc:
            return pages.render("unavailable.html", request, chosen, code=503, reason=str(exc))
        return pages.render(
            "reach.html",
            request,
            chosen,
            academy=mine["academy"],
            year=shown_year,
            years=range(today, FIRST_YEAR - 1, -1),
            rows=_rows(found.json()),
            not_counted=apart,
            cut=cut,
        )

    return router
