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
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.ops_web import academy_forms as forms
from gateway.ops_web.staff import (
    Lang,
    Signed,
    StaffPages,
    may_change_academies,
    may_decide_recognition,
    person_headers,
    posted_form,
    refuse_cross_site,
)

ACADEMY_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
UNAVAILABLE = str(UpstreamError("registry"))
# what a form changes -> the registry's write: method and path under /academies/{id}
WRITES = {
    "details": ("PATCH", ""),
    "participants": ("POST", "/participant-reports"),
    "recognition": ("POST", "/recognition"),
}


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


def _may(signed: Signed) -> dict[str, bool]:
    return {
        "may_edit": may_change_academies(signed.caller),
        "may_decide": may_decide_recognition(signed.caller),
    }


def _check_change(signed: Signed, academy_id: str, what: str) -> None:
    """404 for no such change, 403 for a change that is not this caller's role's."""
    if what not in WRITES or not ACADEMY_ID.match(academy_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    if not _may(signed)["may_decide" if what == "recognition" else "may_edit"]:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not your role's change")


async def _body(
    registry: httpx.AsyncClient, what: str, academy_id: str, form: dict[str, str]
) -> dict[str, Any]:
    """The registry's write from the form (forms.Unreadable: a field it cannot read)."""
    if what == "details":
        return forms.details(form, await _json(registry, f"/academies/{academy_id}"))
    read = forms.participants if what == "participants" else forms.decision
    return read(form)


async def _send(
    registry: httpx.AsyncClient,
    signed: Signed,
    academy_id: str,
    what: str,
    body: dict[str, Any],
    reason: str,
) -> httpx.Response:
    method, suffix = WRITES[what]
    return await registry.request(
        method,
        f"/academies/{academy_id}{suffix}",
        json=body,
        # A decision carries its reason in the body; the others as the audit's why.
        params={"reason": reason} if reason and what != "recognition" else None,
        headers=person_headers(signed),
    )


class _Changes:
    """The pages of academy_changes_router, on the ops layout."""

    def __init__(self, pages: StaffPages) -> None:
        self.pages = pages

    def signed_changer(self, request: Request, lang: str | None) -> Signed | Response:
        signed = self.pages.signed(request, lang)
        if signed is None:
            return self.pages.to_login(lang)
        if not any(_may(signed).values()):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "for editors and deciders")
        return signed

    def unavailable(self, signed: Signed, reason: str = UNAVAILABLE) -> Response:
        return self.pages.render("unavailable.html", signed, 503, reason=reason)

    async def show(
        self, signed: Signed, academy_id: str, code: int = 200, **values: Any
    ) -> Response:
        registry = signed.request.app.state.upstreams.registry
        try:
            academy, recognition = await asyncio.gather(
                _json(registry, f"/academies/{academy_id}"),
                _json(registry, f"/academies/{academy_id}/recognition"),
            )
        except UpstreamError as exc:
            return self.unavailable(signed, str(exc))
        return self.pages.render(
            "academy_changes.html",
            signed,
            code,
            academy=academy,
            recognition=recognition,
            form=values.pop("form", {}),
            **_may(signed),
            **values,
        )

    async def outcome(
        self,
        signed: Signed,
        academy_id: str,
        what: str,
        form: dict[str, str],
        answer: httpx.Response,
    ) -> Response:
        """The registry's answer to a change: back to the page, or the form with why not."""
        if answer.status_code == 404:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such academy")
        if answer.status_code in {409, 422}:
            error = forms.refusal(answer)
            return await self.show(
                signed, academy_id, answer.status_code, error=error, form=form, failed=what
            )
        if answer.status_code not in {200, 201}:
            return self.unavailable(signed)
        suffix = "&lang=en" if signed.lang == "en" else ""
        back = f"/ops/academies/{academy_id}/change?done={what}{suffix}"
        return RedirectResponse(back, status.HTTP_303_SEE_OTHER)


def academy_changes_router(pages: StaffPages) -> APIRouter:
    router = APIRouter(prefix="/ops/academies", include_in_schema=False)
    changes = _Changes(pages)

    @router.get("")
    async def list_academies(request: Request, lang: Lang = None) -> Response:
        signed = changes.signed_changer(request, lang)
        if isinstance(signed, Response):
            return signed
        upstreams: Upstreams = request.app.state.upstreams
        try:
            found = await _json(upstreams.registry, "/academies", limit=500)
        except UpstreamError as exc:
            return changes.unavailable(signed, str(exc))
        return pages.render("academy_list.html", signed, academies=found)

    @router.get("/{academy_id}/change")
    async def change_page(
        request: Request, academy_id: str, lang: Lang = None, done: str | None = None
    ) -> Response:
        if not ACADEMY_ID.match(academy_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        signed = changes.signed_changer(request, lang)
        if isinstance(signed, Response):
            return signed
        return await changes.show(signed, academy_id, done=done if done in WRITES else None)

    @router.post("/{academy_id}/{what}")
    async def change(request: Request, academy_id: str, what: str, lang: Lang = None) -> Response:
        refuse_cross_site(request)
        signed = pages.signed(request, lang)
        if signed is None:
            return pages.to_login(lang)
        _check_change(signed, academy_id, what)
        form = await posted_form(request)
        registry: httpx.AsyncClient = request.app.state.upstreams.registry
        try:
            body = await _body(registry, what, academy_id, form)
        except UpstreamError as exc:
            return changes.unavailable(signed, str(exc))
        except forms.Unreadable as exc:
            error = f"{exc}: ?"
            return await changes.show(signed, academy_id, 422, error=error, form=form, failed=what)
        reason = form.get("reason", "")[: forms.MAX_REASON]
        try:
            answer = await _send(registry, signed, academy_id, what, body, reason)
        except httpx.HTTPError:
            return changes.unavailable(signed)
        return await changes.outcome(signed, academy_id, what, form, answer)

    return router
