"""Service credentials: who may call a service, and for what.

Each caller of the registry, activities and subsidy services has its own bearer token
(`Authorization: Bearer <token>`) with scopes: ops (`STEM_OPS_TOKEN`, every scope), the
gateway (`STEM_GATEWAY_TOKEN`) and the `stem` CLI (`STEM_CLI_TOKEN`); each service says
which scopes each caller has (`<SERVICE>_CALLER_SCOPES`). Every route but the platform's
own (/healthz, /readyz, /metrics) and the signed webhook names the scope it needs, with
FastAPI's `Security`; `stemkit.access.door_check.check_every_door` refuses to build an app
with a route that does not.
See docs/adr/0010-service-credentials.md.

Besides the static tokens, a Doorkeeper given a `TokenVerifier` (stemkit.access.oidc) accepts the
OpenID Connect provider's access tokens: the roles in the token grant the scopes
(stemkit.access.identity). The admitted `Principal` is put on `request.state.principal` for
`stemkit.access.identity.current_principal`. See docs/adr/0019-people-roles-oidc.md. In
production with a provider no static token is given to a Doorkeeper at all
(`ServiceSettings.static_tokens_accepted`, docs/adr/0021). A door may also admit a stand-in
without the scopes (`or_standing_in`): the gateway writing for a person it names.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from fastapi import Header, HTTPException, Security, params, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from pydantic import SecretStr
from starlette.requests import HTTPConnection

from stemkit.access.identity import Principal, static_principal
from stemkit.access.scopes import ALL_SCOPES, DECIDE, EDIT, KEYS, OPS, READ, WRITE

__all__ = [
    "ALL_SCOPES",
    "DECIDE",
    "EDIT",
    "KEYS",
    "OPS",
    "READ",
    "WRITE",
    "Caller",
    "Doorkeeper",
    "TokenRefused",
    "TokenVerifier",
]

_bearer = HTTPBearer(
    auto_error=False,  # we answer 401 ourselves, with one message for every refusal
    description="An access token of the OpenID Connect provider, or (development) a static "
    "service token: ops, the gateway or the stem CLI",
)


@dataclass(frozen=True)
class Caller:
    name: str
    scopes: frozenset[str]


class TokenRefused(Exception):
    """An access token that is not valid here; the message says why (never the token)."""


class TokenVerifier(Protocol):
    """Checks an access token of the provider and says whom it stands for."""

    async def principal_of(self, token: str) -> Principal:
        """The token's principal; raises TokenRefused when the token is not valid."""
        ...


# Whether a principal without a route's scopes may stand in for someone who has them.
StandIn = Callable[[Principal, HTTPConnection], bool]


def looks_like_jwt(token: str) -> bool:
    """Three base64url segments: a JWS compact serialisation, not one of our static tokens."""
    return token.count(".") == 2 and all(token.split("."))


def _refused(detail: str, code: int = status.HTTP_401_UNAUTHORIZED) -> HTTPException:
    return HTTPException(code, detail=detail, headers={"WWW-Authenticate": "Bearer"})


class Doorkeeper:
    """The tokens one service accepts, each naming its caller and the caller's scopes.

    Used as a FastAPI security dependency: `Security(doorkeeper, scopes=[READ])`, or the
    shorthand `doorkeeper.require(READ)`. An empty token is never accepted, whatever the
    settings say.
    """

    def __init__(
        self,
        callers: Mapping[str, tuple[SecretStr, Iterable[str]]],
        verifier: TokenVerifier | None = None,
    ) -> None:
        self._tokens = [
            (token.get_secret_value().encode(), static_principal(name, frozenset(scopes)))
            for name, (token, scopes) in callers.items()
            if token.get_secret_value()
        ]
        self.verifier = verifier
        self.stand_in: StandIn | None = None

    def or_standing_in(self, stand_in: StandIn) -> Doorkeeper:
        """The same door, which also admits, without the scopes, a principal `stand_in`
        accepts for the request: the gateway writing for a signed-in person whose role it
        checked (docs/adr/0021). The scopes stay declared, for the people who come in."""
        found = copy.copy(self)
        found.stand_in = stand_in
        return found

    def caller_of(self, token: str) -> Principal | None:
        """The static caller whose token this is; every token is compared, in constant time."""
        given, found = token.encode(), None
        for known, caller in self._tokens:
            if secrets.compare_digest(given, known) and given:
                found = caller
        return found

    async def principal_of(self, token: str) -> Principal:
        """Whom a bearer token stands for: a static token, else (when a provider is
        configured) a valid access token of the provider; raises TokenRefused."""
        found = self.caller_of(token) if token else None
        if found is not None:
            return found
        if self.verifier is not None and looks_like_jwt(token):
            return await self.verifier.principal_of(token)
        raise TokenRefused("unknown token")

    async def __call__(
        self,
        request: HTTPConnection,
        wanted: SecurityScopes,
        credentials: HTTPAuthorizationCredentials | None = Security(_bearer),  # noqa: B008
    ) -> Principal:
        try:
            if credentials is None:
                raise TokenRefused("no token")
            principal = await self.principal_of(credentials.credentials)
        except TokenRefused as exc:
            raise _refused(
                f"a valid access token is required (Authorization: Bearer <token>): {exc}"
            ) from None
        missing = sorted(set(wanted.scopes) - principal.scopes)
        if missing and not (self.stand_in is not None and self.stand_in(principal, request)):
            raise _refused(
                f"{principal.name} lacks the scope {', '.join(missing)}",
                status.HTTP_403_FORBIDDEN,
            )
        request.state.principal = principal
        return principal

    def require(self, *scopes: str) -> params.Security:
        """A dependency (for `dependencies=[...]`) that admits callers with these scopes."""
        return params.Security(self, scopes=list(scopes))


def require_ops_token(token: SecretStr) -> Callable[[str | None], None]:
    """A FastAPI dependency that answers 401 unless `Authorization: Bearer <token>` matches
    the ops token exactly; an empty token (configured or given) never matches."""
    expected = token.get_secret_value().encode()

    def check(authorization: str | None = Header(default=None)) -> None:
        scheme, _, given = (authorization or "").partition(" ")
        if (
            scheme.lower() != "bearer"
            or not expected
            or not given.strip()
            or not secrets.compare_digest(given.encode(), expected)
        ):
            raise _refused("an ops bearer token is required (Authorization: Bearer <token>)")

    check.__stem_door__ = True  # type: ignore[attr-defined]
    return check
