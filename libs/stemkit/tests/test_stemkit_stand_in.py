"""A door that admits a stand-in (docs/adr/0021): the caller with the scopes as before, the
stand-in only when the route's test accepts the request, anyone else 403."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from starlette.requests import HTTPConnection

from stemkit.access.auth import EDIT, READ, WRITE, Doorkeeper
from stemkit.access.identity import Principal

EDITOR = "stand-in-test-editor-token-0123456789"
GATEWAY = "stand-in-test-gateway-token-012345678"


def _naming_someone(principal: Principal, request: HTTPConnection) -> bool:
    return principal.name == "gateway" and bool(request.headers.get("X-Person"))


async def test_only_the_accepted_stand_in_passes_without_the_scopes() -> None:
    keys = Doorkeeper(
        {"ops": (SecretStr(EDITOR), [READ, WRITE, EDIT]), "gateway": (SecretStr(GATEWAY), [READ])}
    )
    app = FastAPI()

    @app.post("/write", dependencies=[keys.or_standing_in(_naming_someone).require(WRITE, EDIT)])
    async def write() -> str:
        return "done"

    @app.post("/plain", dependencies=[keys.require(WRITE, EDIT)])
    async def plain() -> str:
        return "done"

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://s") as c:

        async def post(path: str, token: str, **headers: str) -> int:
            sent = {"Authorization": f"Bearer {token}", **headers}
            return (await c.post(path, headers=sent)).status_code

        assert await post("/write", EDITOR) == 200
        assert await post("/write", GATEWAY) == 403
        assert await post("/write", GATEWAY, **{"X-Person": "sub-1"}) == 200
        assert await post("/write", "not-a-token-at-all-0123456789", **{"X-Person": "x"}) == 401
        assert await post("/plain", GATEWAY, **{"X-Person": "sub-1"}) == 403  # the original
    assert keys.stand_in is None
