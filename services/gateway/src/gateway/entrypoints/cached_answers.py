"""What the response cache (cached_graphql.py) sends and reads of an answer: the HTTP
validators (`ETag`, `Cache-Control`, `Vary`; `If-None-Match`), `Cache-Status`, and an
answer's `data` and cost."""

from __future__ import annotations

import json

from starlette.types import Message, Scope, Send

CACHE_CONTROL = b"private, no-cache"
VARY = b"X-API-Key, Authorization"


def with_status(send: Send, status: bytes | None) -> Send:
    if status is None:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (b"cache-status", b"stem-gateway; " + status)]
            message = {**message, "headers": headers}
        await send(message)

    return sending


def validators(etag: str) -> list[tuple[bytes, bytes]]:
    return [(b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL), (b"vary", VARY)]


def matches(scope: Scope, etag: str) -> bool:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            wanted = {tag.strip().removeprefix("W/") for tag in value.decode("latin-1").split(",")}
            return etag in wanted or "*" in wanted
    return False


async def send_answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def data_of(body: bytes) -> bytes | None:
    """The JSON of the answer's `data` when it is an answer without errors."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    if not isinstance(answer, dict) or answer.get("errors") or answer.get("data") is None:
        return None
    return json.dumps(answer["data"], separators=(",", ":"), ensure_ascii=False).encode()


def cost_of(body: bytes) -> int:
    try:
        return int(json.loads(body)["extensions"]["cost"]["requested"])
    except (ValueError, KeyError, TypeError):
        return 0
