"""Signing a coordinator in to /academie and out again (issue 21).

The session is server-side (`Sessions`, by hash of the cookie `stem_academy_session`:
HttpOnly, SameSite=Strict, Path=/academie). When the identity provider is configured, the
sign-in page offers first its own login page: `/academie/auth/start` and `/auth/callback`,
authorization code + PKCE with the `stem-coordinator` client (`GATEWAY_ACADEMY_OIDC_CLIENT_ID`),
the same flow as /ops (ops_web.provider_signin); only a person with the coordinator role and
an academy gets a session. Sign-out then also ends the provider's session. The token form
takes a development coordinator token (`GATEWAY_DEV_COORDINATOR_TOKENS`) or the
coordinator's access token (checked against its JWKS like every other); with the provider
configured, production shows only the provider.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.academy_web.words import language, words
from gateway.config import Settings
from gateway.ops_web.provider_signin import Door, ProviderSignIn, SignedIn
from gateway.ops_web.provider_signin_routes import provider_signin_router
from gateway.ops_web.session import FormTooLarge, SignInThrottle, address_of, read_form
from stemkit.access.auth import TokenRefused, looks_like_jwt
from stemkit.access.identity import COORDINATOR, Principal

COOKIE = "stem_academy_session"

# render(template, request, lang, code=..., **values): the academy pages' own renderer
Render = Callable[..., Response]


@dataclass
class _Open:
    principal: Principal
    opened: float
    seen: float
    id_token: str = ""  # signed in at the provider: only to end its session at sign-out


class Sessions:
    """Open coordinator sessions of this process (by hash of the cookie)."""

    def __init__(self, idle: float, lifetime: float) -> None:
        self.idle, self.lifetime = idle, lifetime
        self._open: dict[str, _Open] = {}

    @staticmethod
    def _key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def open(self, principal: Principal, id_token: str = "") -> str:
        session_id, now = secrets.token_urlsafe(32), time.monotonic()
        self._open[self._key(session_id)] = _Open(principal, now, now, id_token)
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

    def close(self, session_id: str) -> str:
        """Ends the session; its ID token ("": none), to end the provider's session too."""
        found = self._open.pop(self._key(session_id), None)
        return found.id_token if found else ""


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


def to_login(lang: str) -> Response:
    suffix = f"?lang={lang}" if lang != "nl" else ""
    return RedirectResponse(f"/academie/aanmelden{suffix}", status.HTTP_303_SEE_OTHER)


def provider_flow(settings: Settings) -> ProviderSignIn | None:
    """Sign-in at the provider for /academie, when the provider and a client are configured."""
    verifier = settings.token_verifier()
    if verifier is None or not settings.academy_oidc_client_id:
        return None
    door = Door(
        base="/academie",
        login_page="/academie/aanmelden",
        client_id=settings.academy_oidc_client_id,
        client_secret=settings.academy_oidc_client_secret.get_secret_value(),
        languages=("nl", "fr", "en"),
    )
    return ProviderSignIn(settings, verifier, door)


def sign_in_router(settings: Settings, sessions: Sessions, render: Render) -> APIRouter:
    """/aanmelden, /afmelden and /auth/..., included under the /academie router."""
    router = APIRouter(include_in_schema=False)
    throttle = SignInThrottle(
        per_address=settings.ops_signin_failures_per_address,
        in_all=settings.ops_signin_failures_in_all,
        window=settings.ops_signin_window_seconds,
        clock=time.monotonic,
    )
    secure = settings.environment == "production"

    def keep(response: Response, principal: Principal, id_token: str = "") -> None:
        response.set_cookie(
            COOKIE,
            sessions.open(principal, id_token),
            max_age=int(settings.ops_session_max_seconds),
            path="/academie",
            httponly=True,
            samesite="strict",
            secure=secure,
        )

    flow = provider_flow(settings)
    ways = {"provider": flow is not None, "token_form": flow is None or settings.ops_token_accepted}
    if flow is not None:

        def open_session(response: Response, signed_in: SignedIn) -> bool:
            found = signed_in.principal
            if COORDINATOR not in found.roles or not found.academy_id:
                return False  # e.g. ops staff: these pages are a coordinator's
            keep(response, found, signed_in.id_token)
            return True

        signin = provider_signin_router(flow, open_session, render, words, ways["token_form"])
        router.include_router(signin)

    @router.get("/aanmelden")
    async def sign_in_form(request: Request, lang: str | None = None) -> Response:
        return render("login.html", request, language(lang), failed=False, **ways)

    @router.post("/aanmelden")
    async def sign_in(request: Request, lang: str | None = None) -> Response:
        chosen, address = language(lang), address_of(request)
        wait = throttle.wait(address)
        if wait:
            return Response("too many failed sign-ins", 429, headers={"Retry-After": str(wait)})
        try:
            token = (await read_form(request)).get("token", "")
        except FormTooLarge:
            return Response("form too large", status.HTTP_413_CONTENT_TOO_LARGE)
        principal = dev_coordinator(settings, token) or await provider_coordinator(settings, token)
        if principal is None:
            throttle.failed(address)
            return render("login.html", request, chosen, code=401, failed=True, **ways)
        suffix = f"?lang={chosen}" if chosen != "nl" else ""
        response = RedirectResponse(f"/academie{suffix}", status.HTTP_303_SEE_OTHER)
        keep(response, principal)
        return response

    @router.post("/afmelden")
    async def sign_out(request: Request, lang: str | None = None) -> Response:
        chosen = language(lang)
        id_token = sessions.close(request.cookies.get(COOKIE, ""))
        # Signed in at the provider: end its session too (a page moves on, as at /ops).
        away = await flow.sign_out_url(request, id_token, chosen) if flow else None
        if away:
            response = render("signed_out.html", request, chosen, target=away)
        else:
            response = to_login(chosen)
        response.delete_cookie(COOKIE, path="/academie", httponly=True, samesite="strict")
        return response

    return router
