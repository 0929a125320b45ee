"""The frame of a data service's HTTP app: the FastAPI app with stable operation ids, the
docs in development only, the database on `app.state` (disposed at shutdown) and the platform
routes (`/healthz`, `/readyz` on the database and the broker, `/metrics`). Each service adds
its routers, then `stemkit.access.door_check.check_every_door`. What a service opens besides
its database (`also_close`) is closed at shutdown before it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from stemkit.http.standard_routes import (
    add_platform_routes,
    database_and_broker_checks,
    docs_only_in_development,
    stable_operation_id,
)
from stemkit.storage.db import Database


def service_app(
    service: str,
    database: Database,
    *,
    environment: str,
    kafka_bootstrap_servers: str,
    title: str,
    version: str,
    summary: str | None = None,
    description: str = "",
    also_close: Sequence[Callable[[], Awaitable[None]]] = (),
    telemetry_off: bool = False,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        for close in also_close:
            await close()
        await database.dispose()

    options: dict[str, Any] = {}
    if telemetry_off:
        # No OpenTelemetry provider is set up (the metrics are Prometheus), yet FastAPI's
        # native telemetry looks the global ones up on every request (performance-notes).
        options["telemetry"] = {"tracing": False, "metrics": False, "logs": False}
    app = FastAPI(
        title=title,
        summary=summary,
        description=description,
        version=version,
        lifespan=lifespan,
        **docs_only_in_development(environment),
        generate_unique_id_function=stable_operation_id,
        **options,
    )
    app.state.database = database
    checks = database_and_broker_checks(database, kafka_bootstrap_servers)
    add_platform_routes(app, service, checks, refuse_nul=True)
    return app
