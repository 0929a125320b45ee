"""/academie: an academy coordinator's own pages (issue 21).

Who: a `Principal` with the coordinator role and an `academy_id`, in a server-side session
(cookie `stem_academy_session`: HttpOnly, SameSite=Strict, Path=/academie). The sign-in form
takes a development coordinator token (`GATEWAY_DEV_COORDINATOR_TOKENS`) or, when the
identity provider is configured, the coordinator's access token (checked against its JWKS
like every other). A redirect to the provider's own login page (as /ops has) is not built
yet. The pages never
take an academy from the request: every read and write is for the session's academy. Reads
use the gateway's own credential; writes go to the registry's self-service routes, which the
gateway may use only naming the person and their academy (stemkit.audit, registry).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import httpx
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.academy_web.words import LANGUAGES, language, words
from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.config import Settings
from gateway.ops_web.routes import SECURITY_HEADERS
from gateway.ops_web.session import FormTooLarge, SignInThrottle, address_of
from stemkit.audit import Actor
from stemkit.auth import TokenRefused, looks_like_jwt
from stemkit.identity import COORDINATOR, Principal

COOKIE = "stem_academy_session"
ACADEMY_HEADER = "X-Stem-Actor-Academy"
MAX_FORM_BYTES = 4096
FIRST_YEAR = 2019


@dataclass
class _Open:
    principal: Principal
    opened: float
    seen: float


class Sessions:
    """Open coordinator sessions of this process (by hash of the cookie)."""

    def __init__(self, idle: float, lifetime: float) -> None:
        self.idle, self.lifetime = idle, lifetime
        self._open: dict[str, _Open] = {}

    @staticmethod
    def _key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def open(self, principal: Principal) -> str:
        session_id, now = secrets.token_urlsafe(32), time.monotonic()
        self._open[self._key(session_id)] = _Open(principal, now, now)
        return session_id

    def principal(self, session_id: str) -> Principal | None:
        found = self._open.get(self._key(session_id))
        now = time.monotonic()
        if found is None:
            return None
        if now - found.seen > self.idle or now - found.opened > self.lifetime:
            self._open.pop(self._key(session_id), None)
            return None
        found.seen = now
        return found.principal

    def close(self, session_id: str) -> None:
        self._open.pop(self._key(session_id), None)


def dev_coordinator(settings: Settings, token: str) -> Principal | None:
    """The coordinator a development token stands for (GATEWAY_DEV_COORDINATOR_TOKENS)."""
    found = None
    for known, academy_id in settings.dev_coordinator_tokens.items():
        if token and academy_id and secrets.compare_digest(token.encode(), known.encode()):
            found = Principal(
                subject=f"static:coordinator:{academy_id}",
                name=f"coordinator of {academy_id}",
                roles=frozenset({COORDINATOR}),
                academy_id=academy_id,
                via="static-token",
            )
    return found


async def provider_coordinator(settings: Settings, token: str) -> Principal | None:
    """The coordinator an access token of the identity provider stands for (when one is
    configured): a valid token with the coordinator role and an academy, else None."""
    verifier = settings.token_verifier()
    if verifier is None or not looks_like_jwt(token):
        return None
    try:
        found = await verifier.principal_of(token)
    except TokenRefused:
        return None
    return found if COORDINATOR in found.roles and found.academy_id else None


async def _form(request: Request) -> dict[str, str]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge
    return {k: v[0].strip() for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _acting(principal: Principal) -> dict[str, str]:
    """What the registry needs to believe the gateway acts for this coordinator."""
    actor = Actor(subject=principal.subject, via=principal.via, name=principal.name)
    return actor.headers() | {ACADEMY_HEADER: quote(principal.academy_id or "")}


def academy_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/academie", include_in_schema=False)
    sessions = Sessions(settings.ops_session_idle_seconds, settings.ops_session_max_seconds)
    throttle = SignInThrottle(
        per_address=settings.ops_signin_failures_per_address,
        in_all=settings.ops_signin_failures_in_all,
        window=settings.ops_signin_window_seconds,
        clock=time.monotonic,
    )
    templates = Environment(
        loader=PackageLoader("gateway.academy_web", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    secure = settings.environment == "production"

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

    def to_login(lang: str) -> Response:
        suffix = f"?lang={lang}" if lang != "nl" else ""
        return RedirectResponse(f"/academie/aanmelden{suffix}", status.HTTP_303_SEE_OTHER)

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

    @router.get("/aanmelden")
    async def sign_in_form(request: Request, lang: str | None = None) -> Response:
        return render("login.html", request, language(lang), failed=False)

    @router.post("/aanmelden")
    async def sign_in(request: Request, lang: str | None = None) -> Response:
        chosen, address = language(lang), address_of(request)
        wait = throttle.wait(address)
        if wait:
            return Response("too many failed sign-ins", 429, headers={"Retry-After": str(wait)})
        try:
            token = (await _form(request)).get("token", "")
        except FormTooLarge:
            return Response("form too large", status.HTTP_413_CONTENT_TOO_LARGE)
        principal = dev_coordinator(settings, token) or await provider_coordinator(settings, token)
        if principal is None:
            throttle.failed(address)
            return render("login.html", request, chosen, code=401, failed=True)
        suffix = f"?lang={chosen}" if chosen != "nl" else ""
        response = RedirectResponse(f"/academie{suffix}", status.HTTP_303_SEE_OTHER)
        response.set_cookie(
            COOKIE,
            sessions.open(principal),
            max_age=int(settings.ops_session_max_seconds),
            path="/academie",
            httponly=True,
            samesite="strict",
            secure=secure,
        )
        return response

    @router.post("/afmelden")
    async def sign_out(request: Request, lang: str | None = None) -> Response:
        sessions.close(request.cookies.get(COOKIE, ""))
        response = to_login(language(lang))
        response.delete_cookie(COOKIE, path="/academie", httponly=True, samesite="strict")
        return response

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
            unknown = await upstreams.activities.get("/organizers/unknown", params={"limit": 500})
            unknown.raise_for_status()
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
        asked = {r["organizer_id"] for r in mine["link_requests"] if r["status"] == "pending"}
        not_linked = [
            o for o in _items(unknown.json()) if str(o.get("organizer_id", "")).lower() in asked
        ]
        return render(
            "reach.html",
            request,
            chosen,
            academy=mine["academy"],
            year=shown_year,
            years=range(today, FIRST_YEAR - 1, -1),
            rows=rows,
            not_linked=not_linked,
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
            form = await _form(request)
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
            form = await _form(request)
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


def _items(answer: Any) -> list[dict[str, Any]]:
    if isinstance(answer, dict):
        found = answer.get("items") or answer.get("organizers") or []
        return list(found)
    return list(answer)
