"""Refuse request bodies over a size, before they are read whole (413), and bodies nested
too deeply to parse (400)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """ASGI middleware: a declared or streamed body over `max_bytes` under `prefix` is a 413;
    one nested too deeply for the JSON parser is a 400."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, prefix: str) -> None:
        self.app, self.max_bytes, self.prefix = app, max_bytes, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await self._refuse(send)
        except RecursionError:
            # JSON nested thousands deep (`[[[[...`, well under the size limit) makes the
            # GraphQL layer's json.loads give up: the client's mistake, not a 500.
            if not started:
                await self._refuse(send, 400, "request body nested too deeply")

    async def _refuse(self, send: Send, status: int = 413, detail: str | None = None) -> None:
        detail = detail or f"request body over {self.max_bytes} bytes"
        body = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
