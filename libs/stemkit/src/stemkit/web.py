"""What every service's HTTP app has alike: /healthz, /readyz, /metrics, request metrics."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from stemkit.db import Database, database_reachable
from stemkit.health import BrokerProbe

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


def add_platform_routes(app: FastAPI, service: str, checks: dict[str, ReadinessCheck]) -> None:
    """Mount /healthz, /readyz and /metrics, and count every request."""

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

    @app.middleware("http")
    async def count_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        HTTP_REQUESTS.labels(service, request.method, path, str(response.status_code)).inc()
        HTTP_LATENCY.labels(service, request.method, path).observe(time.perf_counter() - started)
        return response


def database_and_broker_checks(
    database: Database, bootstrap_servers: str
) -> dict[str, ReadinessCheck]:
    """The readiness checks of a service that owns a database and talks to Kafka."""
    broker = BrokerProbe(bootstrap_servers)

    async def database_ok() -> bool:
        return await database_reachable(database.engine)

    return {"database": database_ok, "broker": broker.reachable}
