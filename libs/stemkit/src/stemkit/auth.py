"""The ops credential: a bearer token that guards writes and internal reads."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import Header, HTTPException, status
from pydantic import SecretStr


def require_ops_token(token: SecretStr) -> Callable[[str | None], None]:
    """A FastAPI dependency that answers 401 unless `Authorization: Bearer <token>` matches."""

    def check(authorization: str | None = Header(default=None)) -> None:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            given.encode(), token.get_secret_value().encode()
        ):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="an ops bearer token is required (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check
