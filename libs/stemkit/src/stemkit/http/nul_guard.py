"""Refuse a NUL character in a request's path or query string (400), before any handler.

PostgreSQL text cannot hold U+0000: a `?q=%00` that reaches a query makes asyncpg fail and
the request a 500. No identifier, filter or search text of ours contains one, so it is the
client's mistake (found by tests/abuse).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send


class RefuseNul:
    """ASGI middleware: a NUL (raw or `%00`) in the path or the query string is a 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            body = json.dumps({"detail": "a NUL character in the path or query"}).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    path: str = scope.get("path", "")
    raw: bytes = scope.get("raw_path") or b""
    return "\x00" in path or b"\x00" in query or b"%00" in query or b"%00" in raw
