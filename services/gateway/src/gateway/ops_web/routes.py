"""The ops pages under /ops: sign-in, reach (map and tables), follow-up, ingestion health.

Server-rendered (Jinja2, autoescaped), a little JavaScript that only improves what works
without it (the year switcher submits on change; a municipality's detail loads in place),
a Content-Security-Policy that allows only this site's own files.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from strawberry.schema.base import BaseSchema

from gateway.adapters.upstreams import UpstreamError
from gateway.config import Settings
from gateway.domain.bucket import replica_share
from gateway.ops_web import audit_page, palette, session, views
from gateway.ops_web.labels import labels, language
from gateway.ops_web.provider_signin import Door, ProviderSignIn, SignedIn
from gateway.ops_web.provider_signin_routes import provider_signin_router
from gateway.ops_web.queries import Executor
from gateway.ops_web.reads import FIRST_YEAR, Maps
from gateway.ops_web.session import FormTooLarge, Identify, SessionStore, SignInThrottle
from gateway.ops_web.staff import SECURITY_HEADERS, doors, ops_sessions
from gateway.schema.callers import caller_of_principal
from gateway.schema.context import Guard

STATIC = {"ops.css": "text/css", "ops.js": "text/javascript"}

Lang = Annotated[str | None, Query(description="nl (default) or en")]


def _today() -> date:
    return datetime.now(UTC).date()


def ops_router(
    settings: Settings,
    identify: Identify,
    guard: Guard,
    schema: BaseSchema,
    sessions: SessionStore | None = None,
) -> APIRouter:
    """The /ops pages; `identify` is the gateway's own credential check, `schema` its
    GraphQL schema, which the pages execute in-process; `sessions` are shared with the
    other /ops routers (staff.py)."""
    router = APIRouter(prefix="/ops", include_in_schema=False)
    if sessions is None:
        sessions = ops_sessions(settings)
    # Each replica counts its own failures: it allows its share of the limits (ADR 0012).
    throttle = SignInThrottle(
        per_address=replica_share(settings.ops_signin_failures_per_address, settings.replicas),
        in_all=replica_share(settings.ops_signin_failures_in_all, settings.replicas),
        window=settings.ops_signin_window_seconds,
        clock=time.monotonic,
    )
    templates = Environment(
        loader=PackageLoader("gateway.ops_web", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    executor = Executor(schema, guard)
    maps = Maps()
    secure = settings.environment == "production"
    static = files("gateway.ops_web") / "static"

    def render(name: str, request: Request, lang: str, code: int = 200, **values: Any) -> Response:
        words = labels(lang)

        def link(path: str, **params: Any) -> str:
            given = {k: v for k, v in params.items() if v is not None}
            if lang != "nl":
                given["lang"] = lang
            return f"/ops{path}" + (f"?{urlencode(given)}" if given else "")

        other = "en" if lang == "nl" else "nl"
        switch = dict(request.query_params) | {"lang": other}
        html = templates.get_template(name).render(
            t=words,
            lang=lang,
            link=link,
            other_language_url=f"{request.url.path}?{urlencode(switch)}",
            palette=palette,
            path=request.url.path,
            doors=doors(sessions.caller(request.cookies.get(session.COOKIE, ""))),
            **values,
        )
        return HTMLResponse(html, status_code=code, headers=SECURITY_HEADERS)

    def page_of(request: Request, lang: str | None) -> views.Page | None:
        caller = sessions.caller(request.cookies.get(session.COOKIE, ""))
        if caller is None:
            return None
        chosen = language(lang)
        return views.Page(request, caller, chosen, labels(chosen))

    def to_login(lang: str | None) -> Response:
        suffix = "?lang=en" if language(lang) == "en" else ""
        return RedirectResponse(f"/ops/login{suffix}", status.HTTP_303_SEE_OTHER)

    # The sign-in page offers the provider when configured, the token form outside production.
    sign_in_ways = {
        "provider": settings.ops_sign_in_by_provider,
        "token_form": settings.ops_token_accepted,
    }
    verifier = settings.token_verifier()
    flow: ProviderSignIn | None = None
    if settings.ops_sign_in_by_provider and verifier is not None:
        door = Door(
            base="/ops",
            login_page="/ops/login",
            client_id=settings.ops_oidc_client_id,
            client_secret=settings.ops_oidc_secret,
            languages=("nl", "en"),
        )
        flow = ProviderSignIn(settings, verifier, door)

        def open_session(response: Response, signed_in: SignedIn) -> bool:
            caller = caller_of_principal(signed_in.principal)
            if caller is None:  # no ops role
                return False
            opened = sessions.open(caller, signed_in.id_token)
            max_age = int(settings.ops_session_max_seconds)
            session.keep(response, opened, max_age=max_age, secure=secure)
            return True

        router.include_router(
            provider_signin_router(flow, open_session, render, labels, settings.ops_token_accepted)
        )

    def year_of(given: int | None) -> int:
        today = _today()
        if given is None:
            return today.year
        if not FIRST_YEAR <= given <= today.year:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"year {FIRST_YEAR}..{today.year}")
        return given

    @router.get("/login")
    async def login_form(request: Request, lang: Lang = None) -> Response:
        return render("login.html", request, language(lang), failed=False, **sign_in_ways)

    @router.post("/login")
    async def login(request: Request, lang: Lang = None) -> Response:
        if not settings.ops_token_accepted:  # production: people sign in with the provider
            raise HTTPException(status.HTTP_403_FORBIDDEN, "the ops token is refused here")
        address = session.address_of(request)
        wait = throttle.wait(address)
        if wait:
            return Response(
                "too many failed sign-ins: try again later",
                status.HTTP_429_TOO_MANY_REQUESTS,
                headers={**SECURITY_HEADERS, "Retry-After": str(wait)},
                media_type="text/plain",
            )
        try:
            token = await session.posted_token(request)
        except FormTooLarge:
            return Response(
                f"sign-in form over {session.MAX_FORM_BYTES} bytes",
                status.HTTP_413_CONTENT_TOO_LARGE,
                headers={**SECURITY_HEADERS, "Connection": "close"},
                media_type="text/plain",
            )
        caller = session.caller_of_token(identify, token)
        if caller is None:
            throttle.failed(address)
            return render(
                "login.html", request, language(lang), code=401, failed=True, **sign_in_ways
            )
        suffix = "?lang=en" if language(lang) == "en" else ""
        response = RedirectResponse(f"/ops{suffix}", status.HTTP_303_SEE_OTHER)
        max_age = int(settings.ops_session_max_seconds)
        session.keep(response, sessions.open(caller), max_age=max_age, secure=secure)
        return response

    @router.post("/logout")
    async def logout(request: Request, lang: Lang = None) -> Response:
        id_token = sessions.revoke(request.cookies.get(session.COOKIE, ""))
        # Signed in at the provider: end its session too, or the next sign-in passes it
        # without a password. A page moves on (not a redirect): the CSP's form-action
        # allows no redirect of this form's post to another site.
        away = await flow.sign_out_url(request, id_token, language(lang)) if flow else None
        if away:
            response = render("signed_out.html", request, language(lang), target=away)
        else:
            response = to_login(lang)
        session.forget(response, secure=secure)
        return response

    @router.get("")
    async def reach(
        request: Request, lang: Lang = None, year: int | None = None, nis: str | None = None
    ) -> Response:
        page = page_of(request, lang)
        if page is None:
            return to_login(lang)
        chosen = year_of(year)
        try:
            shown = await views.reach_page(page, executor, maps, chosen, _today())
            detail = await views.municipality_detail(page, executor, chosen, nis) if nis else None
        except UpstreamError as exc:
            return render("unavailable.html", request, page.lang, code=503, reason=str(exc))
        return render("reach.html", request, page.lang, detail=detail, **shown)

    @router.get("/municipality/{nis_code}")
    async def municipality(
        request: Request, nis_code: str, lang: Lang = None, year: int | None = None
    ) -> Response:
        """A municipality's detail as an HTML fragment, for the map's script."""
        page = page_of(request, lang)
        if page is None:
            return Response(status_code=status.HTTP_401_UNAUTHORIZED)
        chosen = year_of(year)
        detail = await views.municipality_detail(page, executor, chosen, nis_code)
        if detail is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such municipality that year")
        return render("detail.html", request, page.lang, detail=detail)

    @router.get("/follow-up")
    async def follow_up(request: Request, lang: Lang = None, year: int | None = None) -> Response:
        page = page_of(request, lang)
        if page is None:
            return to_login(lang)
        shown = await views.follow_up_page(page, executor, year_of(year), _today())
        return render("follow_up.html", request, page.lang, **shown)

    @router.get("/ingestion")
    async def ingestion(request: Request, lang: Lang = None) -> Response:
        page = page_of(request, lang)
        if page is None:
            return to_login(lang)
        shown = await views.ingestion_page(page, executor, guard.upstream_token)
        return render("ingestion.html", request, page.lang, **shown)

    @router.get("/audit")
    async def audit(request: Request, lang: Lang = None, academy: str | None = None) -> Response:
        """An academy's audit trail (issue 21)."""
        page = page_of(request, lang)
        if page is None:
            return to_login(lang)
        try:
            shown = await audit_page.audit_page(page, executor, academy or None)
        except UpstreamError as exc:
            return render("unavailable.html", request, page.lang, code=503, reason=str(exc))
        return render("audit.html", request, page.lang, **shown)

    @router.get("/static/{name}")
    async def static_file(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        body = (static / name).read_bytes()
        return Response(body, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})

    return router
