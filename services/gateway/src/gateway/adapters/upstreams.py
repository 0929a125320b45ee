"""One pooled HTTP client per upstream service, opened at startup and closed at shutdown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from gateway.config import Settings

UPSTREAMS = ("registry", "activities", "subsidy")


class UpstreamError(Exception):
    """An upstream service did not give a usable answer; shown to the client as a field error.

    The message names the service only: partners must not see internal addresses.
    """

    def __init__(self, service: str) -> None:
        super().__init__(f"the {service} service is unavailable")
        self.service = service


@dataclass(frozen=True)
class Upstreams:
    registry: httpx.AsyncClient
    activities: httpx.AsyncClient
    subsidy: httpx.AsyncClient

    def by_name(self) -> dict[str, httpx.AsyncClient]:
        return {name: getattr(self, name) for name in UPSTREAMS}

    async def aclose(self) -> None:
        for client in self.by_name().values():
            await client.aclose()


def open_upstreams(
    settings: Settings,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    *,
    token: SecretStr | None = None,
    credentials: httpx.Auth | None = None,
) -> Upstreams:
    """Clients with timeouts and a bounded pool, each presenting the caller's own service
    token: the gateway's (`STEM_GATEWAY_TOKEN`) unless `token` names another caller's (the
    `stem` CLI's). Never a partner's credential. `transports` replaces the network in tests.

    With the provider configured, `credentials` (default: the gateway's client credentials,
    when `token` is not given) put the provider's access token on every request instead."""
    bearer = (token or settings.gateway_token).get_secret_value()
    if credentials is None and token is None:
        credentials = settings.machine_credentials()
    timeout = httpx.Timeout(settings.upstream_timeout, connect=settings.upstream_connect_timeout)
    limits = httpx.Limits(
        max_connections=settings.upstream_max_connections,
        max_keepalive_connections=settings.upstream_max_connections,
    )
    urls = {
        "registry": settings.registry_url,
        "activities": settings.activities_url,
        "subsidy": settings.subsidy_url,
    }
    clients = {
        name: httpx.AsyncClient(
            base_url=urls[name],
            timeout=timeout,
            limits=limits,
            transport=(transports or {}).get(name),
            headers={"User-Agent": "stem-gateway", "Authorization": f"Bearer {bearer}"},
            auth=credentials,  # one for all three: one token, renewed before it expires
        )
        for name in UPSTREAMS
    }
    return Upstreams(**clients)


async def healthy(client: httpx.AsyncClient) -> bool:
    """Readiness of one upstream: its /healthz answers 200."""
    try:
        response = await client.get("/healthz")
    except httpx.HTTPError:
        return False
    return response.status_code == 200
