"""Opaque cursors for keyset pagination: the sort key of the last item, base64 JSON."""

from __future__ import annotations

import base64
import binascii
import json

from fastapi.exceptions import RequestValidationError


def encode(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> tuple[str, str] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key)):
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "cursor"), "msg": "not a cursor of ours"}]
        )
    return (key[0], key[1])
