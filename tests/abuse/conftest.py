"""The platform's four HTTP apps in process, over fresh PostgreSQL databases, for abuse tests.

Real parts: the registry (with its reference municipalities), activities and subsidy apps on
their own migrated PostgreSQL databases, the dead-letter reads on the real broker, and the
gateway in front of the three through `httpx.ASGITransport` (no sockets). One set for the
whole folder: building it costs seconds; tests that count rows compare before and after.

Credentials are fixed here so that tests can present them: one partner key, the all-scopes
ops token, one ops token per scope and one with no useful scope.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

import activities.bootstrap
import registry.bootstrap
import subsidy.bootstrap
from activities.config import Settings as ActivitiesSettings
from activities.entrypoints.api import create_app as activities_app
from conftest import fresh_database
from gateway.config import Settings as GatewaySettings
from gateway.entrypoints.api import create_app as gateway_app
from gateway.schema.scopes import ALL_SCOPES
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api import create_app as registry_app
from registry.entrypoints.cli import load_reference_data
from stemkit.storage.migrations import upgrade_to_head
from subsidy.config import Settings as SubsidySettings
from subsidy.entrypoints.api import create_app as subsidy_app

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"abuse-suite-webhook-secret-0001").decode()
# At least 32 characters each: STEM_ENV=test refuses shorter secrets (stemkit.settings).
PARTNER_KEY = "abuse-partner-key-5f1c9e-4b7a0d2e9c"
OPS_TOKEN = "abuse-ops-token-all-scopes-77d2-a91c"
SCOPED_TOKENS = {scope: f"abuse-ops-token-{scope}-only-3e8b9f0c2d" for scope in sorted(ALL_SCOPES)}
UNSCOPED_TOKEN = "abuse-ops-token-no-scope-6d1f0a3b7e"
UPSTREAMS = ("registry", "activities", "subsidy")


def kafka_from_env() -> str:
    value = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not value:
        pytest.fail("KAFKA_BOOTSTRAP_SERVERS is not set: run with `make test`", pytrace=False)
    return value


@dataclass(frozen=True)
class Platform:
    """The four apps (lifespans running), the database URL of each service with one, and
    every 5xx an upstream gave the gateway (which shows the client only "unavailable")."""

    apps: dict[str, FastAPI]
    database_urls: dict[str, str]
    upstream_errors: list[str]

    def client(self, name: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(self.apps[name])
        return httpx.AsyncClient(transport=transport, base_url=f"http://{name}", timeout=60)


class RecordingTransport(httpx.AsyncBaseTransport):
    """An upstream app in process; an exception in it is a 500, as a server would answer,
    and every 5xx is written down."""

    def __init__(self, name: str, app: FastAPI, errors: list[str]) -> None:
        self.name, self.errors = name, errors
        self.inner = httpx.ASGITransport(app, raise_app_exceptions=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if response.status_code >= 500:
            self.errors.append(
                f"{self.name}: {request.method} {request.url} -> {response.status_code}"
            )
        return response


async def migrated_databases(stack: AsyncExitStack) -> dict[str, str]:
    migrations = {
        "registry": registry.bootstrap.MIGRATIONS,
        "activities": activities.bootstrap.MIGRATIONS,
        "subsidy": subsidy.bootstrap.MIGRATIONS,
    }
    urls = {}
    for service, folder in migrations.items():
        urls[service] = await stack.enter_async_context(fresh_database())
        # Alembic runs its own event loop: outside this one.
        await asyncio.to_thread(upgrade_to_head, urls[service], folder)
    return urls


def gateway_settings(data_dir: Path) -> GatewaySettings:
    """Budgets high enough for a whole suite from one caller; per-query limits as shipped."""
    tokens = {token: [scope] for scope, token in SCOPED_TOKENS.items()}
    tokens[UNSCOPED_TOKEN] = ["nothing-useful"]
    return GatewaySettings(
        environment="test",
        partner_api_keys=[SecretStr(PARTNER_KEY)],
        ops_token=SecretStr(OPS_TOKEN),
        ops_token_scopes=tokens,
        data_dir=str(data_dir),
        cost_budget=10**7,
        cost_refill_per_second=10**6,
    )


@pytest.fixture(scope="package")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    kafka = kafka_from_env()
    ops = SecretStr(OPS_TOKEN)
    async with AsyncExitStack() as stack:
        urls = await migrated_databases(stack)
        registry_settings = RegistrySettings(
            database_url=urls["registry"],
            kafka_bootstrap_servers=kafka,
            environment="test",
            ops_token=ops,
        )
        await load_reference_data(registry_settings)
        apps = {
            "registry": registry_app(registry_settings),
            "activities": activities_app(
                ActivitiesSettings(
                    database_url=urls["activities"],
                    kafka_bootstrap_servers=kafka,
                    webhook_secrets=[SecretStr(WEBHOOK_SECRET)],
                    environment="test",
                    ops_token=ops,
                )
            ),
            "subsidy": subsidy_app(
                SubsidySettings(
                    database_url=urls["subsidy"],
                    kafka_bootstrap_servers=kafka,
                    environment="test",
                    ops_token=ops,
                )
            ),
        }
        errors: list[str] = []
        transports = {name: RecordingTransport(name, apps[name], errors) for name in UPSTREAMS}
        settings = gateway_settings(tmp_path_factory.mktemp("gateway"))
        apps["gateway"] = gateway_app(settings, transports=transports)
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield Platform(apps=apps, database_urls=urls, upstream_errors=errors)
