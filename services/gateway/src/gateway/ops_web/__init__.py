"""VLAIO's ops dashboard: web pages the gateway serves at /ops (see routes)."""

from __future__ import annotations

from gateway.ops_web.routes import ops_router

__all__ = ["ops_router"]
