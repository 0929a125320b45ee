"""A persisted query named by its hash alone (`extensions.persistedQuery.sha256Hash`, no query
text), as the response cache (cached_graphql.py) reads it from a GET query string or a JSON
POST body; the body read is replayed to GraphQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import Message, Receive, Scope


@dataclass
class PersistedRequest:
    query_hash: str
    operation: str | None
    variables: dict[str, Any] | None
    body: bytes  # POST body, replayed to GraphQL


def _persisted(
    extensions: Any, query: Any, operation: Any, variables: Any, body: bytes
) -> PersistedRequest | None:
    if query or not isinstance(extensions, dict):
        return None
    persisted = extensions.get("persistedQuery")
    if not isinstance(persisted, dict) or not isinstance(persisted.get("sha256Hash"), str):
        return None
    if variables is not None and not isinstance(variables, dict):
        return None
    if operation is not None and not isinstance(operation, str):
        return None
    return PersistedRequest(persisted["sha256Hash"], operation, variables, body)


def from_query_string(raw: bytes) -> PersistedRequest | None:
    params = {k: v[-1] for k, v in parse_qs(raw.decode("latin-1")).items()}
    if "extensions" not in params:
        return None
    try:
        extensions = json.loads(params["extensions"])
        variables = json.loads(params["variables"]) if params.get("variables") else None
    except ValueError:
        return None
    return _persisted(extensions, params.get("query"), params.get("operationName"), variables, b"")


def from_body(body: bytes) -> PersistedRequest | None:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    return _persisted(
        payload.get("extensions"),
        payload.get("query"),
        payload.get("operationName"),
        payload.get("variables"),
        body,
    )


def is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";")[0].strip().lower() == b"application/json")
    return False


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, then: Receive) -> Receive:
    """The body read already, once; then the connection's own messages (its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive
