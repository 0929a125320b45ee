"""The registry, activities and subsidy apps in this process (SQLite files, no broker: the
outbox is not relayed), with the gateway in front of them: the set-up shared by the browser
tests here and the gateway's integration tests (the `services` fixture of conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from activities.bootstrap import MIGRATIONS as ACTIVITIES_MIGRATIONS
from activities.config import Settings as ActivitiesSettings
from activities.entrypoints.api import create_app as activities_app
from gateway.config import Settings as GatewaySettings
from gateway.entrypoints.api import create_app as gateway_app
from registry.bootstrap import MIGRATIONS as REGISTRY_MIGRATIONS
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api import create_app as registry_app
from stemkit.storage.migrations import upgrade_to_head
from subsidy.bootstrap import MIGRATIONS as SUBSIDY_MIGRATIONS
from subsidy.config import Settings as SubsidySettings
from subsidy.entrypoints.api import create_app as subsidy_app
from tests.e2e.harness import free_port

# Runs on the migrated registry database before its app starts (reference data, demo data).
PrepareRegistry = Callable[[RegistrySettings], Awaitable[None]]


@dataclass
class ServiceApps:
    """The three service apps, started; what is entered on `stack` ends with the fixture."""

    apps: dict[str, FastAPI]
    stack: AsyncExitStack

    async def client(self, name: str, **options: Any) -> httpx.AsyncClient:
        """An HTTP client of one service app (base URL http://<name>)."""
        transport = httpx.ASGITransport(self.apps[name])
        client = httpx.AsyncClient(transport=transport, base_url=f"http://{name}", **options)
        return await self.stack.enter_async_context(client)

    async def gateway(self, settings: GatewaySettings) -> FastAPI:
        """The gateway app in front of the three, started."""
        transports = {name: httpx.ASGITransport(app) for name, app in self.apps.items()}
        gateway = gateway_app(settings, transports=transports)
        await self.stack.enter_async_context(gateway.router.lifespan_context(gateway))
        return gateway

    async def gateway_client(self, settings: GatewaySettings) -> httpx.AsyncClient:
        """An HTTP client of a started gateway (base URL http://gw)."""
        gateway = await self.gateway(settings)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gw")
        return await self.stack.enter_async_context(client)

    async def serve(self, settings: GatewaySettings) -> str:
        """The gateway under uvicorn on a free loopback port (for a browser): its URL.

        uvicorn runs the gateway's lifespan itself."""
        transports = {name: httpx.ASGITransport(app) for name, app in self.apps.items()}
        gateway = gateway_app(settings, transports=transports)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(gateway, host="127.0.0.1", port=port, log_level="warning")
        )
        task = asyncio.create_task(server.serve())
        self.stack.push_async_callback(_stop, server, task)
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event)
            await asyncio.sleep(0.05)
        return f"http://127.0.0.1:{port}"


async def _stop(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await task


@asynccontextmanager
async def service_apps(
    tmp_path: Path,
    settings: Mapping[str, Any] | None = None,
    prepare_registry: PrepareRegistry | None = None,
) -> AsyncIterator[ServiceApps]:
    """The three apps on SQLite files under `tmp_path`, migrated and started; `settings` are
    added to each service's (e.g. `oidc_issuer`)."""
    common: dict[str, Any] = {
        "environment": "development",
        "kafka_bootstrap_servers": "127.0.0.1:1",  # the outbox is not relayed here
        **(settings or {}),
    }
    urls = {name: f"sqlite+aiosqlite:///{tmp_path}/{name}.db" for name in ("r", "a", "s")}
    for url, migrations in (
        (urls["r"], REGISTRY_MIGRATIONS),
        (urls["a"], ACTIVITIES_MIGRATIONS),
        (urls["s"], SUBSIDY_MIGRATIONS),
    ):
        await asyncio.to_thread(upgrade_to_head, url, migrations)
    registry_settings = RegistrySettings(database_url=urls["r"], **common)
    if prepare_registry is not None:
        await prepare_registry(registry_settings)
    apps = {
        "registry": registry_app(registry_settings),
        "activities": activities_app(ActivitiesSettings(database_url=urls["a"], **common)),
        "subsidy": subsidy_app(SubsidySettings(database_url=urls["s"], **common)),
    }
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield ServiceApps(apps, stack)
