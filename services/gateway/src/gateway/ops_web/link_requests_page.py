"""/ops/link-requests: the organizer ids coordinators asked to link to their academy
(issue 21), and ops' decision.

Every ops reader sees the pending requests: the academy, the organizer id, and what the
activities service knows of the organizer while no academy has it (its name and how many
of its activities it keeps unlisted). Only an editor (`write` + `edit`, like every academy
change: docs/adr/0019) gets the confirm and reject buttons, and only an editor's post is
sent on (anyone else: 403). The registry receives the gateway's own credential naming the
person (`X-Stem-Actor-*`, stemkit.access.actor), so its audit trail records the person, not the
gateway; it admits that for these two routes only (registry self_service_routes).
Confirming links the organizer to the academy (`AcademyUpdated`), after which the
activities and subsidy services count its activities for the academy.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.adapters.registry import academies_by_id
from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.ops_web.staff import (
    Lang,
    Signed,
    StaffPages,
    may_link_organizers,
    person_headers,
    posted_form,
    refuse_cross_site,
)

REQUEST_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
MAX_REASON = 2000
UNAVAILABLE = str(UpstreamError("registry"))


async def _unknown_organizers(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """The activities service's organizers linked to no academy, by id; {} when it does not
    answer (the names and counts are a help, not needed to decide)."""
    try:
        answer = await client.get("/organizers/unknown", params={"limit": 500})
        answer.raise_for_status()
        return {str(o["organizer_id"]).lower(): o for o in answer.json()}
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return {}


async def pending_requests(upstreams: Upstreams) -> list[dict[str, Any]]:
    """The pending requests, oldest first, with the academy's name and the organizer's."""
    try:
        answer = await upstreams.registry.get("/organizer-link-requests")
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise UpstreamError("registry") from exc
    pending: list[dict[str, Any]] = answer.json()
    academy_ids = sorted({r["academy_id"] for r in pending})
    academies, organizers = await asyncio.gather(
        academies_by_id(upstreams.registry, academy_ids) if academy_ids else _nothing(),
        _unknown_organizers(upstreams.activities),
    )
    return [
        {
            **r,
            "academy_name": getattr(academies.get(r["academy_id"]), "name", r["academy_id"]),
            "organizer": organizers.get(str(r["organizer_id"]).lower()),
        }
        for r in pending
    ]


async def _nothing() -> dict[str, Any]:
    return {}


def link_requests_router(pages: StaffPages) -> APIRouter:
    router = APIRouter(prefix="/ops", include_in_schema=False)

    async def show(signed: Signed, code: int = 200, **values: Any) -> Response:
        upstreams: Upstreams = signed.request.app.state.upstreams
        try:
            found = await pending_requests(upstreams)
        except UpstreamError as exc:
            return pages.render("unavailable.html", signed, 503, reason=str(exc))
        return pages.render(
            "link_requests.html",
            signed,
            code,
            requests=found,
            may_decide=may_link_organizers(signed.caller),
            **values,
        )

    @router.get("/link-requests")
    async def list_link_requests(
        request: Request, lang: Lang = None, done: str | None = None
    ) -> Response:
        signed = pages.signed(request, lang)
        if signed is None:
            return pages.to_login(lang)
        return await show(signed, done=done if done in {"confirmed", "rejected"} else None)

    @router.post("/link-requests/{request_id}/{decision}")
    async def decide(
        request: Request, request_id: str, decision: str, lang: Lang = None
    ) -> Response:
        refuse_cross_site(request)
        signed = pages.signed(request, lang)
        if signed is None:
            return pages.to_login(lang)
        if not may_link_organizers(signed.caller):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "linking organizers is for editors")
        if decision not in {"confirm", "reject"} or not REQUEST_ID.match(request_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        reason = (await posted_form(request)).get("reason", "")[:MAX_REASON]
        upstreams: Upstreams = request.app.state.upstreams
        try:
            answer = await upstreams.registry.post(
                f"/organizer-link-requests/{request_id}/{decision}",
                params={"reason": reason} if reason else None,
                headers=person_headers(signed),
            )
        except httpx.HTTPError:
            return pages.render("unavailable.html", signed, 503, reason=UNAVAILABLE)
        if answer.status_code in {404, 409}:
            return await show(signed, status.HTTP_409_CONFLICT, gone=True)
        if answer.status_code != 200:
            return pages.render("unavailable.html", signed, 503, reason=UNAVAILABLE)
        done = "confirmed" if decision == "confirm" else "rejected"
        suffix = "&lang=en" if signed.lang == "en" else ""
        back = f"/ops/link-requests?done={done}{suffix}"
        return RedirectResponse(back, status.HTTP_303_SEE_OTHER)

    return router
