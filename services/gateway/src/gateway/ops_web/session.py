"""Signing in with the ops token, once, for a browser.

The login form posts the token; the gateway checks it exactly as it checks an
`Authorization: Bearer` header (same tokens, same scopes) and, when valid, keeps it in a
cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it, so no
cross-site request forgery), Path=/ops, Secure in production, 8 hours. The gateway stays
stateless: each page checks the cookie's token again, so a token removed from the settings
stops working at the next page.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from fastapi import Request, Response
from starlette.requests import HTTPConnection

from gateway.schema.context import Caller

COOKIE = "stem_ops_token"
MAX_AGE = 8 * 3600
MAX_FORM_BYTES = 4096

Identify = Callable[[HTTPConnection], Caller | None]


def caller_of_token(identify: Identify, token: str) -> Caller | None:
    """The ops caller a token stands for (None: not a valid ops token)."""
    if not token:
        return None
    header = f"Bearer {token}".encode()
    found = identify(HTTPConnection({"type": "http", "headers": [(b"authorization", header)]}))
    return found if found is not None and found.kind == "ops" else None


def signed_in(request: Request, identify: Identify) -> Caller | None:
    return caller_of_token(identify, request.cookies.get(COOKIE, ""))


async def posted_token(request: Request) -> str:
    """The `token` field of the login form (application/x-www-form-urlencoded)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return ""
    values = parse_qs(body.decode("utf-8", errors="replace"))
    return (values.get("token") or [""])[0].strip()


def keep(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=MAX_AGE,
        path="/ops",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def forget(response: Response, *, secure: bool) -> None:
    response.delete_cookie(COOKIE, path="/ops", httponly=True, samesite="strict", secure=secure)
