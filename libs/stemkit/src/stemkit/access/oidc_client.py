"""A machine caller's credentials from the OpenID Connect provider: the client credentials
grant (docs/adr/0019).

`ClientCredentials` is an `httpx.Auth`: every request of the client it is given to carries
a fresh access token of the provider (`Authorization: Bearer ...`), fetched once and kept
until shortly before it expires; a 401 from the service drops it and the request is tried
once more with a new one (the provider may have rotated its keys). The token endpoint
comes from the issuer's discovery document.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable
from typing import Any

import httpx

MARGIN_SECONDS = 30.0  # a token is renewed this long before it expires
TIMEOUT_SECONDS = 15.0  # a loaded provider mints its first token slowly


class CredentialsError(httpx.TransportError):
    """The provider did not hand out a token; the message says why (never the secret). A
    transport error: whoever calls a service through this client sees the service as
    unavailable, as when it does not answer."""


class ClientCredentials(httpx.Auth):
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer, self.client_id, self._secret = issuer.rstrip("/"), client_id, client_secret
        self._client, self.clock = client, clock
        self._token_url: str | None = None
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0  # tokens fetched so far (for tests and metrics)

    async def _post(self, url: str, data: dict[str, str] | None = None) -> Any:
        client = self._client or httpx.AsyncClient(timeout=TIMEOUT_SECONDS)
        try:
            if data is None:
                answer = await client.get(url)
            else:
                answer = await client.post(url, data=data, auth=(self.client_id, self._secret))
        except httpx.HTTPError as exc:
            why = f"{type(exc).__name__} {exc}".strip()
            raise CredentialsError(f"the provider at {self.issuer} is unreachable: {why}") from None
        finally:
            if self._client is None:
                await client.aclose()
        if answer.status_code != 200:
            raise CredentialsError(
                f"the provider refused client {self.client_id!r}: HTTP {answer.status_code} "
                f"{answer.text[:200]}"
            )
        return answer.json()

    async def token(self) -> str:
        """A valid access token: the kept one, or a new one."""
        async with self._lock:
            if self._token is not None and self.clock() < self._expires - MARGIN_SECONDS:
                return self._token
            if self._token_url is None:
                discovery = await self._post(f"{self.issuer}/.well-known/openid-configuration")
                self._token_url = str(discovery["token_endpoint"])
            answer = await self._post(self._token_url, {"grant_type": "client_credentials"})
            self._token = str(answer["access_token"])
            self._expires = self.clock() + float(answer.get("expires_in", 60))
            self.fetched += 1
            return self._token

    def forget(self) -> None:
        self._token = None

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.forget()
            request.headers["Authorization"] = f"Bearer {await self.token()}"
            yield request
