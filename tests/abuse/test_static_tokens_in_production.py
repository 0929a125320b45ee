"""In production with an identity provider, no static token opens any door (issue 21,
docs/adr/0021): not the shared ops token, not the gateway's or the CLI's service token (even
given every scope), not an extra `GATEWAY_OPS_TOKEN_SCOPES` token. Machines carry the
provider's client-credentials tokens instead; the gateway refuses to start without its
client, the `stem` CLI says which client it lacks. In development and tests the static
tokens keep working beside the provider.

The provider is the one test_token_doors makes (its keys in process); the apps run in
process over SQLite, as in test_service_doors: a refused request reaches no database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError

from activities.config import Settings as ActivitiesSettings
from activities.entrypoints.api import create_app as activities_app
from gateway.adapters.upstreams import open_upstreams
from gateway.config import Settings as GatewaySettings
from gateway.entrypoints.api import create_app as gateway_app
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api import create_app as registry_app
from stemkit.access.auth import ALL_SCOPES
from stemkit.access.door_check import api_routes
from stemkit.access.identity import EDITOR, VIEWER
from stemkit.access.oidc_client import ClientCredentials
from subsidy.config import Settings as SubsidySettings
from subsidy.entrypoints.api import create_app as subsidy_app
from tests.abuse.conftest import kafka_from_env
from tests.abuse.test_service_doors import PUBLIC, concrete
from tests.abuse.test_token_doors import AUDIENCE, ISSUER, token, trusting

STATIC = {
    "ops": "production-ops-token-0123456789abcdef01",
    "gateway": "production-gateway-token-0123456789abcd",
    "cli": "production-cli-token-0123456789abcdef012",
}
EXTRA_OPS_TOKEN = "production-extra-ops-token-0123456789ab"
WEBHOOK_SECRET = "whsec_cHJvZHVjdGlvbi13ZWJob29rLXNlY3JldC0wMDAx"


def _production(data_dir: Path, **more: Any) -> dict[str, Any]:
    return {
        "data_dir": str(data_dir),
        "kafka_bootstrap_servers": kafka_from_env(),
        "environment": "production",
        "ops_token": SecretStr(STATIC["ops"]),
        "gateway_token": SecretStr(STATIC["gateway"]),
        "cli_token": SecretStr(STATIC["cli"]),
        "oidc_issuer": ISSUER,
        "oidc_audience": AUDIENCE,
    } | more


# The gateway and the CLI with every scope: what refuses them is that they are static.
EVERY_SCOPE = {"caller_scopes": {"gateway": sorted(ALL_SCOPES), "cli": sorted(ALL_SCOPES)}}
FACTORIES: dict[str, Callable[[Path], FastAPI]] = {
    "registry": lambda d: registry_app(trusting(RegistrySettings(**_production(d, **EVERY_SCOPE)))),  # type: ignore[arg-type]
    "activities": lambda d: activities_app(
        trusting(
            ActivitiesSettings(**_production(d, **EVERY_SCOPE), webhook_secrets=[WEBHOOK_SECRET])  # type: ignore[arg-type]
        )
    ),
    "subsidy": lambda d: subsidy_app(trusting(SubsidySettings(**_production(d, **EVERY_SCOPE)))),  # type: ignore[arg-type]
}


def _gateway_settings(data_dir: Path, **more: Any) -> GatewaySettings:
    given = _production(
        data_dir,
        partner_api_keys="production-partner-key-0123456789abcdef",
        oidc_client_id="stem-gateway",
        oidc_client_secret=SecretStr("production-gateway-client-secret-0123"),
    )
    return GatewaySettings(**(given | more))


@pytest.mark.parametrize("service", sorted(FACTORIES))
async def test_every_static_token_is_refused_at_every_door_of_a_service(
    service: str, tmp_path: Path
) -> None:
    app = FACTORIES[service](tmp_path)
    doors = [
        (method, path)
        for path, methods, _ in api_routes(app)
        if path not in PUBLIC
        for method in sorted(methods - {"HEAD"})
    ]
    assert len(doors) > 5, doors
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{service}") as client:
        for method, path in doors:
            for caller, bearer in STATIC.items():
                answer = await client.request(
                    method, concrete(path), headers={"Authorization": f"Bearer {bearer}"}
                )
                assert answer.status_code == 401, (caller, method, path, answer.text[:200])
        # The provider's tokens still open the doors their roles allow.
        reads = [path for method, path in doors if method == "GET" and "{" not in path]
        for path in reads[:3]:
            answer = await client.get(
                path, headers={"Authorization": f"Bearer {token(roles=(VIEWER, EDITOR))}"}
            )
            assert answer.status_code not in (401, 403), (path, answer.text[:200])


async def test_the_gateway_refuses_every_static_token_in_production(tmp_path: Path) -> None:
    settings = _gateway_settings(tmp_path)
    trusting(settings)
    app = gateway_app(settings)
    query = {"query": "{ __typename }"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as client,
    ):
        for caller, bearer in STATIC.items():
            answer = await client.post(
                "/graphql", json=query, headers={"Authorization": f"Bearer {bearer}"}
            )
            assert answer.status_code == 401, (caller, answer.text[:200])
            signed_in = await client.post("/ops/login", data={"token": bearer})
            assert signed_in.status_code in (401, 403), (caller, signed_in.status_code)
        viewer = await client.post(
            "/graphql", json=query, headers={"Authorization": f"Bearer {token(roles=(VIEWER,))}"}
        )
        assert viewer.status_code == 200, viewer.text[:200]


def test_extra_ops_tokens_stop_the_gateway_in_production_with_a_provider(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValidationError, match="GATEWAY_OPS_TOKEN_SCOPES"):
        _gateway_settings(tmp_path, ops_token_scopes={EXTRA_OPS_TOKEN: ["subsidies"]})


def test_the_gateway_needs_its_client_at_the_provider_in_production(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="GATEWAY_OIDC_CLIENT_ID"):
        _gateway_settings(tmp_path, oidc_client_id=None)
    with pytest.raises(ValidationError, match="GATEWAY_OIDC_CLIENT_ID"):
        _gateway_settings(tmp_path, oidc_client_secret=SecretStr(""))


async def test_machines_carry_client_credentials_in_production(tmp_path: Path) -> None:
    """The gateway's upstream clients and the `stem` CLI's: the provider's tokens, and the
    CLI without its client is told so instead of sending a token every service refuses."""
    settings = _gateway_settings(
        tmp_path,
        cli_oidc_client_id="stem-cli",
        cli_oidc_client_secret=SecretStr("production-cli-client-secret-01234567"),
    )
    upstreams = open_upstreams(settings)
    try:
        for client in upstreams.by_name().values():
            assert isinstance(client.auth, ClientCredentials)
    finally:
        await upstreams.aclose()
    assert isinstance(settings.machine_credentials(cli=True), ClientCredentials)
    without = _gateway_settings(tmp_path)
    with pytest.raises(RuntimeError, match="STEM_CLI_OIDC_CLIENT_ID"):
        without.machine_credentials(cli=True)


async def test_development_keeps_the_static_tokens_beside_the_provider(tmp_path: Path) -> None:
    given = _production(tmp_path, environment="test", **EVERY_SCOPE)
    app = registry_app(trusting(RegistrySettings(**given)))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        for caller, bearer in STATIC.items():
            answer = await client.get(
                "/organizer-link-requests", headers={"Authorization": f"Bearer {bearer}"}
            )
            assert answer.status_code not in (401, 403), (caller, answer.text[:200])
    gateway = _gateway_settings(tmp_path, environment="test", oidc_client_id=None)
    gateway.ops_token_scopes = {EXTRA_OPS_TOKEN: ["subsidies"]}
    assert gateway.static_tokens_accepted and gateway.machine_credentials(cli=True) is None
