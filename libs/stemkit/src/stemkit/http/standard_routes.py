"""What every service's HTTP app has alike: /healthz, /readyz, /metrics, request metrics."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stemkit.http.health import BrokerProbe
from stemkit.http.nul_guard import RefuseNul
from stemkit.storage.db import Database, database_reachable

ReadinessCheck = Callable[[], Awaitable[bool]]

HTTP_REQUESTS = Counter(
    "stem_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "stem_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def stable_operation_id(route: APIRoute) -> str:
    """OpenAPI operation ids that do not change when a handler moves (tag-name)."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def docs_only_in_development(environment: str) -> dict[str, Any]:
    """FastAPI's arguments for /docs, /redoc and /openapi.json: served in development only
    (the contracts are committed under contracts/openapi; a cluster has no use for them)."""
    if environment == "development":
        return {}
    return {"docs_url": None, "redoc_url": None, "openapi_url": None}


def add_platform_routes(
    app: FastAPI, service: str, checks: dict[str, ReadinessCheck], *, refuse_nul: bool = False
) -> None:
    """Mount /healthz, /readyz and /metrics, and count every request; with `refuse_nul`
    (services whose queries reach PostgreSQL), a NUL in the path or query is a 400."""

    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "alive", "service": service}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    async def readyz() -> Response:
        results = {name: await check() for name, check in checks.items()}
        ready = all(results.values())
        body = {"status": "ready" if ready else "not ready", "checks": results}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestMetrics, service=service)
    if refuse_nul:  # outside the metrics, as before: PostgreSQL text holds no NUL
        app.add_middleware(RefuseNul)


class RequestMetrics:
    """Counts and times every HTTP request by route template and status.

    A plain ASGI middleware, not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware
    runs the app in a task group and re-wraps the body stream, a cost the same two metrics
    do not need (docs/performance-notes.md, stemkit).
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before it answers

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service, method, path, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, path).observe(time.perf_counter() - started)


def database_and_broker_checks(
    database: Database, bootstrap_servers: str
) -> dict[str, ReadinessCheck]:
    """The readiness checks of a service that owns a database and talks to Kafka."""
    broker = BrokerProbe(bootstrap_servers)

    async def database_ok() -> bool:
        return await database_reachable(database.engine)

    return {"database": database_ok, "broker": broker.reachable}
