"""/academie/deelnemers: the academy's participant reports, and a coordinator reporting
the participants of a year or a quarter (the registry's self-service participant reports)."""

from __future__ import annotations

import time

import httpx
from fastapi import APIRouter, Request, Response, status

from gateway.academy_web.pages import AcademyPages, SelfService, done, refused
from gateway.academy_web.signin import to_login
from gateway.academy_web.words import language
from gateway.adapters.upstreams import UpstreamError
from gateway.ops_web.session import FormTooLarge, read_form


def _report_body(form: dict[str, str]) -> dict[str, int | None]:
    """The registry's participant report from the form (ValueError: not a number)."""
    under, over = int(form.get("under_14") or 0), int(form.get("from_14") or 0)
    return {
        "year": int(form.get("year", "0")),
        "quarter": int(form["quarter"]) if form.get("quarter") else None,
        "participants": under + over,
        "under_14": under,
        "from_14": over,
    }


def participants_router(pages: AcademyPages) -> APIRouter:
    router = APIRouter(prefix="/academie", include_in_schema=False)

    @router.get("/deelnemers")
    async def participants_page(
        request: Request, lang: str | None = None, done: bool = False
    ) -> Response:
        chosen, principal = language(lang), pages.who(request)
        if principal is None:
            return to_login(chosen)
        service = SelfService(request, principal)
        try:
            mine = await service.own()
            listed = await service.get("/participant-reports")
        except (UpstreamError, httpx.HTTPError) as exc:
            return pages.render("unavailable.html", request, chosen, code=503, reason=str(exc))
        return pages.render(
            "participants.html",
            request,
            chosen,
            academy=mine["academy"],
            reports=listed.json() if listed.status_code == 200 else [],
            done=done,
            refused=None,
            this_year=time.gmtime().tm_year,
        )

    @router.post("/deelnemers")
    async def report(request: Request, lang: str | None = None) -> Response:
        chosen, principal = language(lang), pages.who(request)
        if principal is None:
            return to_login(chosen)
        try:
            body = _report_body(await read_form(request))
        except (ValueError, FormTooLarge):
            return Response("bad form", status.HTTP_400_BAD_REQUEST)
        answer = await SelfService(request, principal).send("POST", "/participant-reports", body)
        if answer.status_code != 201:
            return refused(chosen, answer)
        return done("deelnemers", chosen)

    return router
