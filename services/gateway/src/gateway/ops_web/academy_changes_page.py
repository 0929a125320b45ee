"""/ops/academies: an editor changes an academy's details and reports its participants, a
decider records a recognition decision (issue 21), on pages, as they could only through the
registry's REST API before.

Each form is shown only to a role that may use it, and only that role's post is sent on
(anyone else: 403): details and participant reports need `write` + `edit` (editors), a
decision `write` + `decide` (deciders; docs/adr/0019). The registry receives the gateway's
own credential naming the person and their roles (`X-Stem-Actor-*`), checks those roles
itself (registry entrypoints/standing_in.py) and records the person as the actor, and as a
decision's author. Forms: academy_forms.py.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.ops_web import academy_forms as forms
from gateway.ops_web.staff import (
    Signed,
    StaffPages,
    may_change_academies,
    may_decide_recognition,
    person_headers,
    posted_form,
    refuse_cross_site,
)

Lang = Annotated[str | None, Query(description="nl (default) or en")]
ACADEMY_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
UNAVAILABLE = str(UpstreamError("registry"))
DONE = {"details", "participants", "recognition"}


async def _json(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    try:
        answer = await client.get(path, params=params or None)
    except httpx.HTTPError as exc:
        raise UpstreamError("registry") from exc
    if answer.status_code == 404:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such academy")
    if answer.status_code != 200:
        raise UpstreamError("registry")
    return answer.json()


def academy_changes_router(pages: StaffPages) -> APIRouter:
    router = APIRouter(prefix="/ops/academies", include_in_schema=False)

    def may(signed: Signed) -> dict[str, bool]:
        return {
            "may_edit": may_change_academies(signed.caller),
            "may_decide": may_decide_recognition(signed.caller),
        }

    def signed_changer(request: Request, lang: str | None) -> Signed | Response:
        signed = pages.signed(request, lang)
        if signed is None:
            return pages.to_login(lang)
        if not any(may(signed).values()):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "for editors and deciders")
        return signed

    @router.get("")
    async def list_academies(request: Request, lang: Lang = None) -> Response:
        signed = signed_changer(request, lang)
        if isinstance(signed, Response):
            return signed
        upstreams: Upstreams = request.app.state.upstreams
        try:
            found = await _json(upstreams.registry, "/academies", limit=500)
        except UpstreamError as exc:
            return pages.render("unavailable.html", signed, 503, reason=str(exc))
        return pages.render("academy_list.html", signed, academies=found)

    async def show(signed: Signed, academy_id: str, code: int = 200, **values: Any) -> Response:
        registry = signed.request.app.state.upstreams.registry
        try:
            academy, recognition = await asyncio.gather(
                _json(registry, f"/academies/{academy_id}"),
                _json(registry, f"/academies/{academy_id}/recognition"),
            )
        except UpstreamError as exc:
            return pages.render("unavailable.html", signed, 503, reason=str(exc))
        return pages.render(
            "academy_changes.html",
            signed,
            code,
            academy=academy,
            recognition=recognition,
            form=values.pop("form", {}),
            **may(signed),
            **values,
        )

    @router.get("/{academy_id}/change")
    async def change_page(
        request: Request, academy_id: str, lang: Lang = None, done: str | None = None
    ) -> Response:
        if not ACADEMY_ID.match(academy_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        signed = signed_changer(request, lang)
        if isinstance(signed, Response):
            return signed
        return await show(signed, academy_id, done=done if done in DONE else None)

    @router.post("/{academy_id}/{what}")
    async def change(request: Request, academy_id: str, what: str, lang: Lang = None) -> Response:
        refuse_cross_site(request)
        signed = pages.signed(request, lang)
        if signed is None:
            return pages.to_login(lang)
        allowed = may(signed)
        if what not in DONE or not ACADEMY_ID.match(academy_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        if not allowed["may_decide" if what == "recognition" else "may_edit"]:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not your role's change")
        form = await posted_form(request)
        reason = form.get("reason", "")[: forms.MAX_REASON]
        registry: httpx.AsyncClient = request.app.state.upstreams.registry
        try:
            if what == "details":
                body = forms.details(form, await _json(registry, f"/academies/{academy_id}"))
            else:
                read = forms.participants if what == "participants" else forms.decision
                body = read(form)
        except UpstreamError as exc:
            return pages.render("unavailable.html", signed, 503, reason=str(exc))
        except forms.Unreadable as exc:
            return await show(signed, academy_id, 422, error=f"{exc}: ?", form=form, failed=what)
        path = (
            f"/academies/{academy_id}"
            + {
                "details": "",
                "participants": "/participant-reports",
                "recognition": "/recognition",
            }[what]
        )
        try:
            answer = await registry.request(
                "PATCH" if what == "details" else "POST",
                path,
                json=body,
                # A decision carries its reason in the body; the others as the audit's why.
                params={"reason": reason} if reason and what != "recognition" else None,
                headers=person_headers(signed),
            )
        except httpx.HTTPError:
            return pages.render("unavailable.html", signed, 503, reason=UNAVAILABLE)
        if answer.status_code == 404:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such academy")
        if answer.status_code in {409, 422}:
            return await show(
                signed,
                academy_id,
                answer.status_code,
                error=forms.refusal(answer),
                form=form,
                failed=what,
            )
        if answer.status_code not in {200, 201}:
            return pages.render("unavailable.html", signed, 503, reason=UNAVAILABLE)
        suffix = "&lang=en" if signed.lang == "en" else ""
        back = f"/ops/academies/{academy_id}/change?done={what}{suffix}"
        return RedirectResponse(back, status.HTTP_303_SEE_OTHER)

    return router
