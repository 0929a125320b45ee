"""/academie: an academy coordinator's own pages (issue 21).

Who: a `Principal` with the coordinator role and an `academy_id`, in a server-side session
opened by signing in (academy_web.signin). The pages never
take an academy from the request: every read and write is for the session's academy. Reads
use the gateway's own credential; writes go to the registry's self-service routes, which the
gateway may use only naming the person and their academy (stemkit.ops.audit, registry).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from gateway.academy_web.not_counted import not_counted
from gateway.academy_web.signin import COOKIE, Sessions, sign_in_router, to_login
from gateway.academy_web.words import LANGUAGES, language, words
from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.config import Settings
from gateway.ops_web.session import FormTooLarge, read_form
from gateway.ops_web.staff import SECURITY_HEADERS
from stemkit.access.actor import Actor
from stemkit.access.identity import COORDINATOR, Principal

ACADEMY_HEADER = "X-Stem-Actor-Academy"
FIRST_YEAR = 2019


def _acting(principal: Principal) -> dict[str, str]:
    """What the registry needs to believe the gateway acts for this coordinator."""
    actor = Actor(subject=principal.subject, via=principal.via, name=principal.name)
    return actor.headers() | {ACADEMY_HEADER: quote(principal.academy_id or "")}


def academy_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/academie", include_in_schema=False)
    sessions = Sessions(settings.ops_session_idle_seconds, settings.ops_session_max_seconds)
    templates = Environment(
        # Its own pages first; the sign-in hand-over pages are the /ops ones (one copy).
        loader=ChoiceLoader(
            [
                PackageLoader("gateway.academy_web", "templates"),
                PackageLoader("gateway.ops_web", "templates"),
            ]
        ),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def render(name: str, request: Request, lang: str, code: int = 200, **values: Any) -> Response:
        def link(path: str, **params: Any) -> str:
            given = {k: v for k, v in params.items() if v is not None}
            if lang != "nl":
                given["lang"] = lang
            return f"/academie{path}" + (f"?{urlencode(given)}" if given else "")

        others = [
            (code_, f"{request.url.path}?{urlencode(dict(request.query_params) | {'lang': code_})}")
            for code_ in LANGUAGES
            if code_ != lang
        ]
        html = templates.get_template(name).render(
            t=words(lang), lang=lang, link=link, others=others, path=request.url.path, **values
        )
        return HTMLResponse(html, status_code=code, headers=SECURITY_HEADERS)

    def who(request: Request) -> Principal | None:
        found = sessions.principal(request.cookies.get(COOKIE, ""))
        if found is None or COORDINATOR not in found.roles or not found.academy_id:
            return None
        return found

    def registry(request: Request) -> httpx.AsyncClient:
        upstreams: Upstreams = request.app.state.upstreams
        return upstreams.registry

    async def own(request: Request, principal: Principal) -> dict[str, Any]:
        path = f"/self-service/academies/{quote(principal.academy_id or '', safe='')}"
        answer = await registry(request).get(path, headers=_acting(principal))
        if answer.status_code != 200:
            raise UpstreamError("registry")
        found: dict[str, Any] = answer.json()
        return found

    router.include_router(sign_in_router(settings, sessions, render))

    @router.get("")
    async def reach(request: Request, lang: str | None = None, year: int | None = None) -> Response:
        chosen, principal = language(lang), who(request)
        if principal is None:
            return to_login(chosen)
        today = time.gmtime().tm_year
        shown_year = year if year and FIRST_YEAR <= year <= today else today
        upstreams: Upstreams = request.app.state.upstreams
        try:
            mine = await own(request, principal)
            found = await upstreams.subsidy.get(
                "/reach", params={"academy_id": principal.academy_id, "year": shown_year}
            )
            found.raise_for_status()
            asked = {r["organizer_id"] for r in mine["link_requests"] if r["status"] == "pending"}
            apart, cut = await not_counted(upstreams, principal.academy_id or "", asked, shown_year)
        except (UpstreamError, httpx.HTTPError) as exc:
            return render("unavailable.html", request, chosen, code=503, reason=str(exc))
        rows = []
        for entry in found.json():
            for place in entry.get("municipalities") or [entry]:
                rows.append(
                    {
                        "nis_code": place.get("nis_code"),
                        "name": place.get("name") or place.get("nis_code"),
                        "activities": place.get("activity_ids") or [],
                    }
                )
        return render(
            "reach.html",
            request,
            chosen,
            academy=mine["academy"],
            year=shown_year,
            years=range(today, FIRST_YEAR - 1, -1),
            rows=rows,
            not_counted=apart,
            cut=cut,
        )

    @router.get("/deelnemers")
    async def participants_page(
        request: Request, lang: str | None = None, done: bool = False
    ) -> Response:
        chosen, principal = language(lang), who(request)
        if principal is None:
            return to_login(chosen)
        path = f"/self-service/academies/{quote(principal.academy_id or '', safe='')}"
        try:
            mine = await own(request, principal)
            listed = await registry(request).get(
                f"{path}/participant-reports", headers=_acting(principal)
            )
        except (UpstreamError, httpx.HTTPError) as exc:
            return render("unavailable.html", request, chosen, code=503, reason=str(exc))
        return render(
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
        chosen, principal = language(lang), who(request)
        if principal is None:
            return to_login(chosen)
        try:
            form = await read_form(request)
            under, over = int(form.get("under_14") or 0), int(form.get("from_14") or 0)
            body = {
                "year": int(form.get("year", "0")),
                "quarter": int(form["quarter"]) if form.get("quarter") else None,
                "participants": under + over,
                "under_14": under,
                "from_14": over,
            }
        except (ValueError, FormTooLarge):
            return Response("bad form", status.HTTP_400_BAD_REQUEST)
        path = f"/self-service/academies/{quote(principal.academy_id or '', safe='')}"
        answer = await registry(request).post(
            f"{path}/participant-reports", json=body, headers=_acting(principal)
        )
        if answer.status_code != 201:
            return Response(
                words(chosen)["refused"].format(reason=answer.text[:300]),
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                media_type="text/plain",
            )
        suffix = f"&lang={chosen}" if chosen != "nl" else ""
        return RedirectResponse(f"/academie/deelnemers?done=1{suffix}", 303)

    @router.get("/profiel")
    async def profile_page(
        request: Request, lang: str | None = None, done: bool = False
    ) -> Response:
        chosen, principal = language(lang), who(request)
        if principal is None:
            return to_login(chosen)
        try:
            mine = await own(request, principal)
        except (UpstreamError, httpx.HTTPError) as exc:
            return render("unavailable.html", request, chosen, code=503, reason=str(exc))
        return render(
            "profile.html",
            request,
            chosen,
            academy=mine["academy"],
            requests=mine["link_requests"],
            done=done,
        )

    @router.post("/profiel")
    async def keep_profile(request: Request, lang: str | None = None) -> Response:
        chosen, principal = language(lang), who(request)
        if principal is None:
            return to_login(chosen)
        try:
            form = await read_form(request)
        except FormTooLarge:
            return Response("form too large", status.HTTP_413_CONTENT_TOO_LARGE)
        path = f"/self-service/academies/{quote(principal.academy_id or '', safe='')}"
        if form.get("organizer_id"):
            answer = await registry(request).post(
                f"{path}/organizer-link-requests",
                json={"organizer_id": form["organizer_id"]},
                headers=_acting(principal),
            )
            ok = answer.status_code == 201
        else:
            changes = {k: form.get(k) or None for k in ("website", "contact_email")}
            answer = await registry(request).patch(
                f"{path}/profile", json=changes, headers=_acting(principal)
            )
            ok = answer.status_code == 200
        if not ok:
            return Response(
                words(chosen)["refused"].format(reason=answer.text[:300]),
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                media_type="text/plain",
            )
        suffix = f"&lang={chosen}" if chosen != "nl" else ""
        return RedirectResponse(f"/academie/profiel?done=1{suffix}", 303)

    return router
