"""The partner credential: `X-API-Key` must be one of the configured partner keys.

Checked at the HTTP layer, before any GraphQL work: a missing or unknown key is a 401.
(Hashed key storage, scopes and per-key limits come later.)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence

from fastapi import HTTPException, status
from pydantic import SecretStr
from starlette.requests import HTTPConnection

API_KEY_HEADER = "X-API-Key"


def require_partner_key(
    keys: Sequence[SecretStr], *, ide_enabled: bool
) -> Callable[[HTTPConnection], None]:
    known = [key.get_secret_value().encode() for key in keys]

    # HTTPConnection, not Request: the GraphQL router also has a websocket route.
    def check(request: HTTPConnection) -> None:
        if ide_enabled and _asks_for_ide_page(request):
            return  # the playground page itself holds no data; its queries need the key
        given = (request.headers.get(API_KEY_HEADER) or "").encode()
        # Compare with every key (no early exit), so timing does not tell which matched.
        matches = [secrets.compare_digest(given, key) for key in known]
        if not given or not any(matches):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=f"a partner API key is required ({API_KEY_HEADER} header)",
                headers={"WWW-Authenticate": API_KEY_HEADER},
            )

    return check


def _asks_for_ide_page(request: HTTPConnection) -> bool:
    return (
        request.scope.get("method") == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )
