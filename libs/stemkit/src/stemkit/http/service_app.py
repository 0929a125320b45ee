"""The frame of a data service's HTTP app: the FastAPI app with stable operation ids, the
docs in development only, the database on `app.state` (disposed at shutdown) and the platform
routes (`/healthz`, `/readyz` on the database and the broker, `/metrics`). Each service adds
its routers, then `stemkit.access.door_check.check_every_door`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await database.dispose()

    app = FastAPI(
        title=title,
        summary=summary,
        version=version,
        lifespan=lifespan,
        **docs_only_in_development(environment),
        generate_unique_id_function=stable_operation_id,
    )
    app.state.database = database
    checks = database_and_broker_checks(database, kafka_bootstrap_servers)
    add_platform_routes(app, service, checks, refuse_nul=True)
    return app
