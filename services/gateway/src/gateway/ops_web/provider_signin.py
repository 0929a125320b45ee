"""Sign-in and sign-out at the OpenID Connect provider: authorization code + PKCE, for
each set of pages that has people sign in (a `Door`: /ops, /academie; docs/adr/0019).

`<base>/auth/start` sends the browser to the provider's authorization endpoint with a fresh
`state`, `nonce` and PKCE challenge (S256); the verifier stays here, in this process's
memory, under the state, and the state is also bound to the browser by a short-lived
cookie (SameSite=Lax: the provider's redirect back is a cross-site navigation). The
callback checks both, exchanges the code (with the verifier, and the client's secret for a
confidential client) at the token endpoint, checks the ID token's signature, audience and
nonce and the access token as every service does, and lets the pages open their own
server-side session for the person, or refuse them (no role for these pages).

The session keeps the ID token, only to end the provider's session at sign-out
(`sign_out_url`: the end-session endpoint with `id_token_hint` and the way back to the
sign-in page); without it, the next sign-in would pass the provider without a password.

A pending sign-in lives `PENDING_SECONDS`; at most `MAX_PENDING` are kept (the oldest go).
The routes are in `provider_signin_routes`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import Request

from gateway.config import Settings
from stemkit.access.auth import TokenRefused
from stemkit.access.identity import Principal
from stemkit.access.oidc import JwksVerifier

PENDING_SECONDS = 600.0
MAX_PENDING = 10_000


@dataclass(frozen=True)
class Door:
    """A set of pages people sign in to at the provider, and its client there."""

    base: str  # "/ops": its routes are <base>/auth/start and <base>/auth/callback
    login_page: str  # where sign-out comes back to, e.g. "/ops/login"
    client_id: str
    client_secret: str  # "": a public client (PKCE alone)
    languages: tuple[str, ...]  # the first is the default, left out of links

    @property
    def callback(self) -> str:
        return f"{self.base}/auth/callback"

    @property
    def state_cookie(self) -> str:
        return f"stem_{self.base.strip('/')}_signin"

    def language(self, given: str | None) -> str:
        return given if given in self.languages else self.languages[0]

    def with_language(self, path: str, lang: str) -> str:
        return path if lang == self.languages[0] else f"{path}?lang={lang}"


@dataclass(frozen=True)
class Pending:
    verifier: str
    nonce: str
    lang: str
    opened: float


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    id_token: str  # kept in the session only for sign-out's id_token_hint


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
    """The provider's endpoints, the exchange of a code for the person, and sign-out."""

    def __init__(self, settings: Settings, verifier: JwksVerifier, door: Door) -> None:
        self.settings, self.verifier, self.door = settings, verifier, door
        self.issuer = (settings.oidc_issuer or "").rstrip("/")
        self._endpoints: dict[str, str] | None = None

    async def endpoints(self) -> dict[str, str]:
        if self._endpoints is None:
            async with httpx.AsyncClient(timeout=5.0) as client:
                found = (await client.get(f"{self.issuer}/.well-known/openid-configuration")).json()
            self._endpoints = {
                "authorization": str(found["authorization_endpoint"]),
                "token": str(found["token_endpoint"]),
                "end_session": str(found.get("end_session_endpoint") or ""),
            }
        return self._endpoints

    def here(self, request: Request, path: str) -> str:
        base = self.settings.public_url or str(request.base_url)
        return base.rstrip("/") + path

    async def authorization_url(self, request: Request, state: str, pending: Pending) -> str:
        query = {
            "response_type": "code",
            "client_id": self.door.client_id,
            "redirect_uri": self.here(request, self.door.callback),
            "scope": "openid",
            "state": state,
            "nonce": pending.nonce,
            "code_challenge": challenge_of(pending.verifier),
            "code_challenge_method": "S256",
            "ui_locales": pending.lang,
        }
        return f"{(await self.endpoints())['authorization']}?{urlencode(query)}"

    async def exchange(self, request: Request, code: str, pending: Pending) -> SignedIn:
        """The person who signed in (raises SignInFailed)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.here(request, self.door.callback),
            "code_verifier": pending.verifier,
        }
        secret = self.door.client_secret
        auth = (self.door.client_id, secret) if secret else None
        if not secret:
            form["client_id"] = self.door.client_id
        try:
            async with httpx.AsyncClient(timeout=5.0, auth=auth) as client:
                answer = await client.post((await self.endpoints())["token"], data=form)
        except httpx.HTTPError:
            raise SignInFailed("the identity provider did not answer") from None
        if answer.status_code != 200:
            raise SignInFailed("the identity provider refused the code")
        tokens = answer.json()
        id_token = str(tokens.get("id_token", ""))
        await self._check_id_token(id_token, pending.nonce)
        try:
            principal = await self.verifier.principal_of(str(tokens.get("access_token", "")))
        except TokenRefused as exc:
            raise SignInFailed(str(exc)) from None
        return SignedIn(principal, id_token)

    async def _check_id_token(self, id_token: str, nonce: str) -> None:
        """The ID token is the provider's, for this client, and answers this sign-in."""
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            key = await self.verifier.key(str(kid))
            claims = jwt.decode(
                id_token,
                key=key,
                algorithms=[str(key.algorithm_name)],
                audience=self.door.client_id,
                issuer=self.verifier.config.issuer,
                leeway=self.verifier.config.leeway_seconds,
            )
        except (jwt.PyJWTError, TokenRefused):
            raise SignInFailed("the identity token is not valid") from None
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInFailed("the identity token answers another sign-in")

    async def sign_out_url(self, request: Request, id_token: str, lang: str) -> str | None:
        """Where the browser ends its session at the provider and comes back to the sign-in
        page; None: the provider has no end-session endpoint, or does not answer."""
        try:
            end_session = (await self.endpoints())["end_session"]
        except (httpx.HTTPError, KeyError, ValueError):
            return None
        if not end_session or not id_token:
            return None
        query = {
            "id_token_hint": id_token,
            "client_id": self.door.client_id,
            "post_logout_redirect_uri": self.here(
                request, self.door.with_language(self.door.login_page, lang)
            ),
        }
        return f"{end_session}?{urlencode(query)}"
