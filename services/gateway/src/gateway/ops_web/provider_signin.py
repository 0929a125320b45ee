"""Ops sign-in with the OpenID Connect provider: authorization code + PKCE (docs/adr/0019).

`/ops/auth/start` sends the browser to the provider's authorization endpoint with a fresh
`state`, `nonce` and PKCE challenge (S256); the verifier stays here, in this process's
memory, under the state, and the state is also bound to the browser by a short-lived
cookie (SameSite=Lax: the provider's redirect back is a cross-site navigation). The
callback checks both, exchanges the code (with the verifier and the client's secret) at
the token endpoint, checks the ID token's signature, audience and nonce and the access
token as every service does, and opens the usual server-side session for the person
(`session.SessionStore`), never keeping a token. A person without an ops role is refused.

A pending sign-in lives `PENDING_SECONDS`; at most `MAX_PENDING` are kept (the oldest go).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.config import Settings
from gateway.entrypoints.callers import caller_of_principal
from gateway.ops_web.labels import labels
from gateway.schema.context import Caller
from stemkit.auth import TokenRefused
from stemkit.oidc import JwksVerifier

PENDING_SECONDS = 600.0
MAX_PENDING = 10_000
STATE_COOKIE = "stem_ops_signin"
CALLBACK = "/ops/auth/callback"


@dataclass(frozen=True)
class Pending:
    verifier: str
    nonce: str
    lang: str
    opened: float


class PendingSignIns:
    """Sign-ins sent to the provider and not yet back: state -> PKCE verifier and nonce."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self._pending: OrderedDict[str, Pending] = OrderedDict()

    def open(self, lang: str) -> tuple[str, Pending]:
        state = secrets.token_urlsafe(32)
        pending = Pending(secrets.token_urlsafe(48), secrets.token_urlsafe(24), lang, self.clock())
        self._pending[state] = pending
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        return state, pending

    def take(self, state: str) -> Pending | None:
        """The pending sign-in of `state`, once (a replayed callback finds nothing)."""
        found = self._pending.pop(state, None)
        if found is None or self.clock() - found.opened > PENDING_SECONDS:
            return None
        return found


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class SignInFailed(Exception):
    """The reason is shown to the person (no secret in it)."""


class ProviderSignIn:
    """The provider's endpoints and the exchange of a code for the person's principal."""

    def __init__(self, settings: Settings, verifier: JwksVerifier) -> None:
        self.settings, self.verifier = settings, verifier
        self.issuer = (settings.oidc_issuer or "").rstrip("/")
        self._endpoints: dict[str, str] | None = None

    async def endpoints(self) -> dict[str, str]:
        if self._endpoints is None:
            async with httpx.AsyncClient(timeout=5.0) as client:
                found = (await client.get(f"{self.issuer}/.well-known/openid-configuration")).json()
            self._endpoints = {
                "authorization": str(found["authorization_endpoint"]),
                "token": str(found["token_endpoint"]),
            }
        return self._endpoints

    def redirect_uri(self, request: Request) -> str:
        base = self.settings.public_url or str(request.base_url)
        return base.rstrip("/") + CALLBACK

    async def authorization_url(self, request: Request, state: str, pending: Pending) -> str:
        query = {
            "response_type": "code",
            "client_id": self.settings.ops_oidc_client_id,
            "redirect_uri": self.redirect_uri(request),
            "scope": "openid",
            "state": state,
            "nonce": pending.nonce,
            "code_challenge": challenge_of(pending.verifier),
            "code_challenge_method": "S256",
            "ui_locales": pending.lang,
        }
        return f"{(await self.endpoints())['authorization']}?{urlencode(query)}"

    async def exchange(self, request: Request, code: str, pending: Pending) -> Any:
        """The principal of the person who signed in (raises SignInFailed)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri(request),
            "code_verifier": pending.verifier,
        }
        client_auth = (self.settings.ops_oidc_client_id, self.settings.ops_oidc_secret)
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                answer = await client.post(
                    (await self.endpoints())["token"], data=form, auth=client_auth
                )
        except httpx.HTTPError:
            raise SignInFailed("the identity provider did not answer") from None
        if answer.status_code != 200:
            raise SignInFailed("the identity provider refused the code")
        tokens = answer.json()
        await self._check_id_token(str(tokens.get("id_token", "")), pending.nonce)
        try:
            return await self.verifier.principal_of(str(tokens.get("access_token", "")))
        except TokenRefused as exc:
            raise SignInFailed(str(exc)) from None

    async def _check_id_token(self, id_token: str, nonce: str) -> None:
        """The ID token is the provider's, for this client, and answers this sign-in."""
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            key = await self.verifier.key(str(kid))
            claims = jwt.decode(
                id_token,
                key=key,
                algorithms=[str(key.algorithm_name)],
                audience=self.settings.ops_oidc_client_id,
                issuer=self.verifier.config.issuer,
                leeway=self.verifier.config.leeway_seconds,
            )
        except (jwt.PyJWTError, TokenRefused):
            raise SignInFailed("the identity token is not valid") from None
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInFailed("the identity token answers another sign-in")


Render = Callable[..., Response]


def provider_signin_router(
    settings: Settings,
    verifier: JwksVerifier,
    open_session: Callable[[Response, Caller], None],
    render: Render,
) -> APIRouter:
    """`/ops/auth/start` and `/ops/auth/callback`. `open_session(response, caller)` sets the
    session cookie; `render(name, request, lang, code=..., **values)` renders a page."""
    router = APIRouter(prefix="/auth", include_in_schema=False)  # under /ops
    flow = ProviderSignIn(settings, verifier)
    pending_sign_ins = PendingSignIns()
    secure = settings.environment == "production"

    def failed(request: Request, lang: str, reason: str, code: int = 400) -> Response:
        words = labels(lang)
        return render(
            "login.html",
            request,
            lang,
            code=code,
            failed=False,
            provider=True,
            token_form=settings.ops_token_accepted,
            provider_error=words["signin_failed"].format(reason=reason),
        )

    @router.get("/start")
    async def start(request: Request, lang: str | None = None) -> Response:
        chosen = "en" if lang == "en" else "nl"
        state, pending = pending_sign_ins.open(chosen)
        try:
            target = await flow.authorization_url(request, state, pending)
        except (httpx.HTTPError, KeyError, ValueError):
            return failed(request, chosen, "the identity provider did not answer", 503)
        response = RedirectResponse(target, status.HTTP_303_SEE_OTHER)
        response.set_cookie(
            STATE_COOKIE,
            hashlib.sha256(state.encode()).hexdigest(),
            max_age=int(PENDING_SECONDS),
            path="/ops/auth",
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        return response

    @router.get("/callback")
    async def callback(
        request: Request,
        state: str = "",
        code: str = "",
        error: str | None = None,
    ) -> Response:
        bound = request.cookies.get(STATE_COOKIE, "")
        pending = pending_sign_ins.take(state) if state else None
        lang = pending.lang if pending else "nl"
        if pending is None or not secrets.compare_digest(
            bound.encode(), hashlib.sha256(state.encode()).hexdigest().encode()
        ):
            return failed(request, lang, "unknown or expired sign-in")
        if error or not code:
            return failed(request, lang, f"the identity provider said {error or 'no code'}")
        try:
            principal = await flow.exchange(request, code, pending)
        except SignInFailed as exc:
            return failed(request, lang, str(exc))
        caller = caller_of_principal(principal)
        if caller is None:
            return render(
                "login.html",
                request,
                lang,
                code=status.HTTP_403_FORBIDDEN,
                failed=False,
                provider=True,
                token_form=settings.ops_token_accepted,
                provider_error=labels(lang)["signin_no_role"],
            )
        target = "/ops" + ("?lang=en" if lang == "en" else "")
        response = render("signed_in.html", request, lang, target=target, who=principal.name)
        open_session(response, caller)
        response.delete_cookie(STATE_COOKIE, path="/ops/auth", secure=secure, httponly=True)
        return response

    return router
