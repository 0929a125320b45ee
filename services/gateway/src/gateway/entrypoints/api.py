"""The gateway's HTTP app (`uvicorn gateway.entrypoints.api:create_app --factory`).

GraphQL at /graphql for partners (X-API-Key); /healthz, /readyz (the three upstreams'
/healthz) and /metrics as on every service. Stateless: no database, only pooled HTTP
clients to the upstream services, opened at startup and closed at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import Depends, FastAPI, Request
from strawberry.fastapi import GraphQLRouter

from gateway.adapters.upstreams import UPSTREAMS, Upstreams, healthy, open_upstreams
from gateway.config import SERVICE, Settings
from gateway.entrypoints.partners import require_partner_key
from gateway.schema.loaders import make_loaders
from gateway.schema.query import schema
from gateway.schema.types import Context
from stemkit.logging import configure_logging
from stemkit.web import ReadinessCheck, add_platform_routes, stable_operation_id


def create_app(
    settings: Settings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """`transports` (per upstream name) replaces the network, for tests."""
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    # httpx logs every upstream request at INFO: one line per batch per query is noise.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstreams = open_upstreams(settings, transports)
        try:
            yield
        finally:
            await app.state.upstreams.aclose()

    app = FastAPI(
        title="STEM gateway",
        version="1",
        lifespan=lifespan,
        generate_unique_id_function=stable_operation_id,
    )

    async def context(request: Request) -> Context:
        upstreams: Upstreams = request.app.state.upstreams
        return Context(make_loaders(upstreams))

    graphql = GraphQLRouter[Context, None](
        schema,
        context_getter=context,
        graphql_ide="graphiql" if settings.graphiql else None,
        dependencies=[
            Depends(require_partner_key(settings.partner_api_keys, ide_enabled=settings.graphiql))
        ],
        subscription_protocols=(),  # no subscriptions: queries only
        tags=["graphql"],
    )
    app.include_router(graphql, prefix="/graphql")
    add_platform_routes(app, SERVICE, _upstream_checks(app))
    return app


def _upstream_checks(app: FastAPI) -> dict[str, ReadinessCheck]:
    def check(name: str) -> ReadinessCheck:
        async def reachable() -> bool:
            upstreams: Upstreams = app.state.upstreams
            return await healthy(upstreams.by_name()[name])

        return reachable

    return {name: check(name) for name in UPSTREAMS}
