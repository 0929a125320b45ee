"""/ops/login and /ops/logout: staff sign in with the provider (when configured) or, outside
production, with an ops token on a form; failed sign-ins are throttled per address and in
all (session.SignInThrottle)."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.config import Settings
from gateway.domain.bucket import replica_share
from gateway.ops_web import session
from gateway.ops_web.labels import labels, language
from gateway.ops_web.provider_signin import Door, ProviderSignIn, SignedIn
from gateway.ops_web.provider_signin_routes import provider_signin_router
from gateway.ops_web.session import FormTooLarge, Identify, SignInThrottle
from gateway.ops_web.staff import SECURITY_HEADERS, Lang, StaffPages
from gateway.schema.callers import caller_of_principal


def _throttle(settings: Settings) -> SignInThrottle:
    # Each replica counts its own failures: it allows its share of the limits (ADR 0012).
    return SignInThrottle(
        per_address=replica_share(settings.ops_signin_failures_per_address, settings.replicas),
        in_all=replica_share(settings.ops_signin_failures_in_all, settings.replicas),
        window=settings.ops_signin_window_seconds,
        clock=time.monotonic,
    )


def _provider_flow(settings: Settings) -> ProviderSignIn | None:
    """Sign-in at the provider for /ops, when the provider and the client are configured."""
    verifier = settings.token_verifier()
    if not settings.ops_sign_in_by_provider or verifier is None:
        return None
    door = Door(
        base="/ops",
        login_page="/ops/login",
        client_id=settings.ops_oidc_client_id,
        client_secret=settings.ops_oidc_secret,
        languages=("nl", "en"),
    )
    return ProviderSignIn(settings, verifier, door)


def _to_reach(lang: str | None) -> RedirectResponse:
    suffix = "?lang=en" if language(lang) == "en" else ""
    return RedirectResponse(f"/ops{suffix}", status.HTTP_303_SEE_OTHER)


def _too_many(wait: int) -> Response:
    return Response(
        "too many failed sign-ins: try again later",
        status.HTTP_429_TOO_MANY_REQUESTS,
        headers={**SECURITY_HEADERS, "Retry-After": str(wait)},
        media_type="text/plain",
    )


def _form_too_large() -> Response:
    return Response(
        f"sign-in form over {session.MAX_FORM_BYTES} bytes",
        status.HTTP_413_CONTENT_TOO_LARGE,
        headers={**SECURITY_HEADERS, "Connection": "close"},
        media_type="text/plain",
    )


def sign_in_router(settings: Settings, identify: Identify, pages: StaffPages) -> APIRouter:
    """`identify` is the gateway's own credential check (for the token form)."""
    router = APIRouter(prefix="/ops", include_in_schema=False)
    sessions, throttle = pages.sessions, _throttle(settings)
    secure = settings.environment == "production"
    max_age = int(settings.ops_session_max_seconds)
    # The sign-in page offers the provider when configured, the token form outside production.
    sign_in_ways = {
        "provider": settings.ops_sign_in_by_provider,
        "token_form": settings.ops_token_accepted,
    }
    flow = _provider_flow(settings)
    if flow is not None:

        def open_session(response: Response, signed_in: SignedIn) -> bool:
            caller = caller_of_principal(signed_in.principal)
            if caller is None:  # no ops role
                return False
            opened = sessions.open(caller, signed_in.id_token)
            session.keep(response, opened, max_age=max_age, secure=secure)
            return True

        router.include_router(
            provider_signin_router(
                flow, open_session, pages.render_page, labels, settings.ops_token_accepted
            )
        )

    @router.get("/login")
    async def login_form(request: Request, lang: Lang = None) -> Response:
        return pages.render_page(
            "login.html", request, language(lang), failed=False, **sign_in_ways
        )

    @router.post("/login")
    async def login(request: Request, lang: Lang = None) -> Response:
        if not settings.ops_token_accepted:  # production: people sign in with the provider
            raise HTTPException(status.HTTP_403_FORBIDDEN, "the ops token is refused here")
        address = session.address_of(request)
        wait = throttle.wait(address)
        if wait:
            return _too_many(wait)
        try:
            token = await session.posted_token(request)
        except FormTooLarge:
            return _form_too_large()
        caller = session.caller_of_token(identify, token)
        if caller is None:
            throttle.failed(address)
            return pages.render_page(
                "login.html", request, language(lang), code=401, failed=True, **sign_in_ways
            )
        response = _to_reach(lang)
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
            response = pages.render_page("signed_out.html", request, language(lang), target=away)
        else:
            response = pages.to_login(lang)
        session.forget(response, secure=secure)
        return response

    return router
