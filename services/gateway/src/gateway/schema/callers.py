"""Who is calling: a partner (`X-API-Key`) or ops (`Authorization: Bearer`, with scopes).

Checked at the HTTP layer, before any GraphQL work: neither credential is a 401. Partner
keys come from the key store (hashes, `gateway.adapters.key_store`) and, for development
and tests, from `GATEWAY_PARTNER_API_KEYS` (plain). `STEM_OPS_TOKEN` has every ops scope
(not in production); `GATEWAY_OPS_TOKEN_SCOPES` adds tokens with fewer. With
`STEM_OIDC_ISSUER`, an access token of the provider stands for the person (or machine) it
was issued to: a viewer, editor, decider or admin reads every ops field (docs/adr/0019);
in production with the provider, no static token is accepted at all (docs/adr/0021).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, status
from starlette.requests import HTTPConnection

from gateway.adapters.key_store import KeyStore
from gateway.config import Settings
from gateway.domain import keys
from gateway.schema.context import Caller
from gateway.schema.scopes import ALL_SCOPES
from stemkit.access.auth import TokenRefused, TokenVerifier, looks_like_jwt
from stemkit.access.identity import OPS_ROLES, Principal, static_principal

API_KEY_HEADER = "X-API-Key"


def _tag(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def partner_keys(settings: Settings, store: KeyStore) -> Callable[[str], Caller | None]:
    """A function from a presented partner key to its caller (None: unknown or revoked)."""
    plain = {
        key.get_secret_value(): f"env:{_tag(key.get_secret_value())}"
        for key in settings.partner_api_keys
    }

    def partner(given: str) -> Caller | None:
        if not given:
            return None
        for key, caller_id in plain.items():
            if secrets.compare_digest(given.encode(), key.encode()):
                return Caller(id=caller_id, kind="partner")
        record = keys.find(store.all(), given)
        if record is None:
            return None
        return Caller(id=f"key:{record.id}", kind="partner", safelist_only=record.safelist_only)

    return partner


def identify(settings: Settings, store: KeyStore) -> Callable[[HTTPConnection], Caller | None]:
    """A function from a request to its caller (None: no valid credential)."""
    partner = partner_keys(settings, store)
    # Production with a provider: no static token (people and machines carry its tokens).
    tokens: dict[str, tuple[frozenset[str], Principal | None]] = {}
    if settings.static_tokens_accepted:
        tokens = {t: (frozenset(s), None) for t, s in settings.ops_token_scopes.items()}
    if settings.ops_token_accepted:  # the shared ops token: development and tests only
        # It stands for a person with every staff role, as at the services (static:ops).
        shared = static_principal("ops", frozenset())
        tokens[settings.ops_token.get_secret_value()] = (ALL_SCOPES, shared)

    def caller(request: HTTPConnection) -> Caller | None:
        scheme, _, bearer = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and bearer:
            found = None
            for token, (scopes, principal) in tokens.items():
                if secrets.compare_digest(bearer.encode(), token.encode()):
                    found = Caller(
                        id=f"ops:{_tag(token)}", kind="ops", scopes=scopes, principal=principal
                    )
            return found
        return partner(request.headers.get(API_KEY_HEADER) or "")

    return caller


def caller_of_principal(principal: Principal) -> Caller | None:
    """The gateway caller a principal of the provider is: the agency's staff (any ops role)
    read every ops field; anyone else (a coordinator) is no ops caller."""
    if not principal.roles & OPS_ROLES:
        return None
    return Caller(
        id=f"oidc:{principal.subject}", kind="ops", scopes=ALL_SCOPES, principal=principal
    )


async def provider_caller(verifier: TokenVerifier | None, request: HTTPConnection) -> Caller | None:
    """The caller an access token of the provider stands for (None: none, or not valid)."""
    scheme, _, bearer = (request.headers.get("authorization") or "").partition(" ")
    if verifier is None or scheme.lower() != "bearer" or not looks_like_jwt(bearer):
        return None
    try:
        principal = await verifier.principal_of(bearer)
    except TokenRefused:
        return None
    return caller_of_principal(principal)


def require_caller(
    identify_caller: Callable[[HTTPConnection], Caller | None],
    *,
    ide_enabled: bool,
    verifier: TokenVerifier | None = None,
) -> Callable[[HTTPConnection], Awaitable[None]]:
    """A FastAPI dependency: puts the caller on `request.state.caller`, else 401."""

    # HTTPConnection, not Request: the GraphQL router also has a websocket route.
    # `async` although it awaits nothing: FastAPI runs a plain function in a worker thread,
    # and that hop cost more than the check (a hash, and a stat of the key store, which is
    # read again only when it changed).
    async def check(request: HTTPConnection) -> None:
        if ide_enabled and _asks_for_ide_page(request):
            return  # the playground page itself holds no data; its queries need the key
        found = identify_caller(request) or await provider_caller(verifier, request)
        if found is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=f"a partner API key ({API_KEY_HEADER}) or an ops bearer token is required",
                headers={"WWW-Authenticate": API_KEY_HEADER},
            )
        request.state.caller = found

    return check


def _asks_for_ide_page(request: HTTPConnection) -> bool:
    return (
        request.scope.get("method") == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )
