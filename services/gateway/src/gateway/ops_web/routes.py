"""The ops pages under /ops: sign-in (sign_in_page.py), the dashboard's read pages (reach
map and tables, follow-up, ingestion health, audit: dashboard_page.py) and their files.

Server-rendered (Jinja2, autoescaped), a little JavaScript that only improves what works
without it (the year switcher submits on change; a municipality's detail loads in place),
a Content-Security-Policy that allows only this site's own files. The change pages
(link_requests_page.py, academy_changes_page.py, keys_page.py) are routers of their own.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, HTTPException, Response, status
from strawberry.schema.base import BaseSchema

from gateway.config import Settings
from gateway.ops_web.dashboard_page import dashboard_router
from gateway.ops_web.queries import Executor
from gateway.ops_web.session import Identify, SessionStore
from gateway.ops_web.sign_in_page import sign_in_router
from gateway.ops_web.staff import StaffPages, ops_sessions
from gateway.schema.context import Guard

STATIC = {"ops.css": "text/css", "ops.js": "text/javascript"}


def static_router() -> APIRouter:
    """/ops/static/{name}: the pages' stylesheet and script."""
    router = APIRouter(prefix="/ops", include_in_schema=False)
    static = files("gateway.ops_web") / "static"

    @router.get("/static/{name}")
    async def static_file(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        body = (static / name).read_bytes()
        return Response(body, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})

    return router


def ops_router(
    settings: Settings,
    identify: Identify,
    guard: Guard,
    schema: BaseSchema,
    sessions: SessionStore | None = None,
) -> APIRouter:
    """The /ops pages; `identify` is the gateway's own credential check, `schema` its
    GraphQL schema, which the pages execute in-process; `sessions` are shared with the
    other /ops routers (staff.py)."""
    pages = StaffPages(sessions if sessions is not None else ops_sessions(settings))
    router = APIRouter(include_in_schema=False)
    router.include_router(sign_in_router(settings, identify, pages))
    router.include_router(dashboard_router(pages, Executor(schema, guard), guard.upstream_token))
    router.include_router(static_router())
    return router
