"""Access tokens of the OpenID Connect provider, checked here: signature against the issuer's
JWKS, issuer, audience, expiry; roles and academy from the claims (docs/adr/0019).

`JwksVerifier` is a `stemkit.access.auth.TokenVerifier`. Its keys come from the issuer's JWKS
(`jwks_uri` of `<issuer>/.well-known/openid-configuration`, or `STEM_OIDC_JWKS_URL`), are
kept for `cache_seconds`, and are fetched again when a token names a key id not among them
(the provider rotated its keys) — at most once per `min_refetch_seconds`, so that tokens
with made-up key ids cannot make us hammer the provider. Only asymmetric algorithms are
accepted, and only the one the key itself is for: no `none`, no HMAC with a public key.
Who the token stands for is read from its claims by `stemkit.access.oidc_claims`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from stemkit.access.auth import TokenRefused
from stemkit.access.identity import Principal
from stemkit.access.oidc_claims import principal_from_claims

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ROLES_CLAIMS = ("realm_access.roles",)
TIMEOUT_SECONDS = 10.0  # reading the discovery document and the JWKS


@dataclass(frozen=True)
class OidcConfig:
    """What a service needs to check the provider's access tokens."""

    issuer: str
    audience: str
    jwks_url: str | None = None  # None: from the issuer's discovery document
    roles_claims: tuple[str, ...] = DEFAULT_ROLES_CLAIMS  # dot paths to lists of role names
    academy_claim: str = "academy_id"
    leeway_seconds: float = 30.0  # clock skew allowed on exp/nbf/iat

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class JwksVerifier:
    """Checks access tokens against the issuer's signing keys (see the module doc)."""

    def __init__(
        self,
        config: OidcConfig,
        *,
        client: httpx.AsyncClient | None = None,
        cache_seconds: float = 600.0,
        min_refetch_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._client = client
        self.cache_seconds, self.min_refetch_seconds, self.clock = (
            cache_seconds,
            min_refetch_seconds,
            clock,
        )
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None  # the last fetch that succeeded
        self._tried_at: float | None = None  # the last fetch tried
        self._jwks_url = config.jwks_url
        self._lock = asyncio.Lock()

    async def _get_json(self, url: str) -> Any:
        client = self._client or httpx.AsyncClient(timeout=TIMEOUT_SECONDS)
        try:
            answer = await client.get(url, headers={"Accept": "application/json"})
            answer.raise_for_status()
            return answer.json()
        finally:
            if self._client is None:
                await client.aclose()

    async def _fetch(self) -> None:
        if self._jwks_url is None:
            discovery = await self._get_json(self.config.discovery_url)
            if discovery.get("issuer") != self.config.issuer:
                raise TokenRefused("the provider's discovery names another issuer")
            self._jwks_url = str(discovery["jwks_uri"])
        document = await self._get_json(self._jwks_url)
        keys: dict[str, PyJWK] = {}
        for entry in document.get("keys", []):
            if entry.get("use", "sig") != "sig" or "kid" not in entry:
                continue  # encryption keys and keys without an id are of no use here
            try:
                key = PyJWK.from_dict(entry)
            except jwt.PyJWKError:
                continue  # a key type or algorithm this library does not know
            if key.algorithm_name in ASYMMETRIC:
                keys[str(entry["kid"])] = key
        self._keys, self._fetched_at = keys, self.clock()

    async def key(self, kid: str) -> PyJWK:
        """The signing key `kid`, fetching the JWKS when it is stale or does not know it.
        Fetches (failed ones too) are at least `min_refetch_seconds` apart, whatever the
        tokens name: made-up key ids, or a provider that is down, cost one fetch per interval."""
        async with self._lock:
            now = self.clock()
            stale = self._fetched_at is None or now - self._fetched_at > self.cache_seconds
            unknown = kid not in self._keys
            may_fetch = self._tried_at is None or now - self._tried_at >= self.min_refetch_seconds
            if (stale or unknown) and may_fetch:
                self._tried_at = now
                try:
                    await self._fetch()
                except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                    if kid not in self._keys:
                        raise TokenRefused(f"the provider's keys are unavailable: {exc}") from None
            found = self._keys.get(kid)
        if found is None:
            raise TokenRefused("signed with a key the provider does not publish")
        return found

    async def principal_of(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRefused("not a signed token") from None
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or alg not in ASYMMETRIC:
            raise TokenRefused("a token must name its key and an asymmetric algorithm")
        key = await self.key(kid)
        if alg != key.algorithm_name:
            raise TokenRefused("the token's algorithm is not its key's")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRefused("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise TokenRefused("the token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise TokenRefused("the token's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"the token is not valid: {exc}") from None
        # Keycloak marks its access tokens `typ: Bearer`; an ID or refresh token is no access.
        if claims.get("typ", "Bearer") not in {"Bearer", "at+jwt"}:
            raise TokenRefused("not an access token")
        return principal_from_claims(
            claims, roles_claims=self.config.roles_claims, academy_claim=self.config.academy_claim
        )
