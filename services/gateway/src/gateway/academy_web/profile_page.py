"""/academie/profiel: the academy's website and contact address, and its requests to link
an organizer id (which ops confirm at /ops/link-requests)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request, Response, status

from gateway.academy_web.pages import AcademyPages, SelfService, done, refused
from gateway.academy_web.signin import to_login
from gateway.academy_web.words import language
from gateway.adapters.upstreams import UpstreamError
from gateway.ops_web.session import FormTooLarge, read_form


async def _send(service: SelfService, form: dict[str, str]) -> httpx.Response:
    """A link request when the form names an organizer id, else the profile's changes."""
    if form.get("organizer_id"):
        body = {"organizer_id": form["organizer_id"]}
        return await service.send("POST", "/organizer-link-requests", body)
    changes = {k: form.get(k) or None for k in ("website", "contact_email")}
    return await service.send("PATCH", "/profile", changes)


def profile_router(pages: AcademyPages) -> APIRouter:
    router = APIRouter(prefix="/academie", include_in_schema=False)

    @router.get("/profiel")
    async def profile_page(
        request: Request, lang: str | None = None, done: bool = False
    ) -> Response:
        chosen, principal = language(lang), pages.who(request)
        if principal is None:
            return to_login(chosen)
        try:
            mine = await SelfService(request, principal).own()
        except (UpstreamError, httpx.HTTPError) as exc:
            return pages.render("unavailable.html", request, chosen, code=503, reason=str(exc))
        return pages.render(
            "profile.html",
            request,
            chosen,
            academy=mine["academy"],
            requests=mine["link_requests"],
            done=done,
        )

    @router.post("/profiel")
    async def keep_profile(request: Request, lang: str | None = None) -> Response:
        chosen, principal = language(lang), pages.who(request)
        if principal is None:
            return to_login(chosen)
        try:
            form = await read_form(request)
        except FormTooLarge:
            return Response("form too large", status.HTTP_413_CONTENT_TOO_LARGE)
        answer = await _send(SelfService(request, principal), form)
        # a link request is created (201), a profile changed (200)
        if answer.status_code != (201 if form.get("organizer_id") else 200):
            return refused(chosen, answer)
        return done("profiel", chosen)

    return router
