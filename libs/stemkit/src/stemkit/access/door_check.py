"""Every route has a door: a service refuses to start with an API route that asks for no
credential (a route added without its scope). Public are the platform's own routes and the
paths a service names (the signed webhook). docs/adr/0010-service-credentials.md."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from stemkit.access.auth import Doorkeeper

# The routes every service serves to anyone: probes and Prometheus.
PLATFORM_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _guarded(dependant: Dependant) -> bool:
    for sub in dependant.dependencies:
        call: Any = sub.call
        if isinstance(call, Doorkeeper) or getattr(call, "__stem_door__", False):
            return True
        if _guarded(sub):
            return True
    return False


def api_routes(app: FastAPI) -> list[tuple[str, set[str], Dependant]]:
    """(path, methods, dependant) of every API route of `app`, routers included (FastAPI
    keeps included routers nested; their dependencies are merged into each route's)."""
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            found.append((context.path or "", set(context.methods or ()), context.dependant))
    return found


def unguarded_routes(app: FastAPI, public: Iterable[str] = ()) -> list[str]:
    """`METHOD /path` of every API route that neither is public nor asks for a credential."""
    open_paths = PLATFORM_PATHS | set(public)
    return [
        f"{','.join(sorted(methods))} {path}"
        for path, methods, dependant in api_routes(app)
        if path not in open_paths and not _guarded(dependant)
    ]


def check_every_door(app: FastAPI, public: Iterable[str] = ()) -> None:
    """Refuse to start a service with a route that nobody guards (a route added without its
    scope): public are the platform's routes and the paths given (the signed webhook)."""
    forgotten = unguarded_routes(app, public)
    if forgotten:
        raise RuntimeError(f"routes without a credential check: {', '.join(forgotten)}")
