"""The principal a request stands for: static tokens (development) mapped to principals, and
roles mapped to the services' scopes (docs/adr/0019)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from stemkit.access.auth import DECIDE, EDIT, KEYS, OPS, READ, WRITE, Doorkeeper
from stemkit.access.identity import (
    ADMIN,
    COORDINATOR,
    DECIDER,
    EDITOR,
    VIEWER,
    Principal,
    Who,
)

OPS_TOKEN = "identity-ops-token-0123456789abcdef"
GATEWAY_TOKEN = "identity-gateway-token-0123456789ab"


def person(*roles: str) -> Principal:
    return Principal("sub-1", "ann", frozenset(roles), None, "oidc")


def test_roles_grant_their_scopes_and_no_more() -> None:
    assert person(VIEWER).scopes == {READ, OPS}
    assert person(EDITOR).scopes == {READ, OPS, WRITE, EDIT}
    assert person(DECIDER).scopes == {READ, OPS, WRITE, DECIDE}
    assert person(ADMIN).scopes == {READ, OPS, KEYS}
    assert person(COORDINATOR).scopes == frozenset()
    assert person("somebody-elses-role").scopes == frozenset()
    assert person(EDITOR, DECIDER).scopes == {READ, OPS, WRITE, EDIT, DECIDE}


def _app() -> FastAPI:
    keeper = Doorkeeper(
        {
            "ops": (SecretStr(OPS_TOKEN), {READ, OPS, WRITE, EDIT, DECIDE, KEYS}),
            "gateway": (SecretStr(GATEWAY_TOKEN), {READ, OPS}),
        }
    )
    app = FastAPI()

    @app.post("/decide", dependencies=[keeper.require(WRITE, DECIDE)])
    async def decide(who: Who) -> dict[str, object]:
        return {"subject": who.subject, "via": who.via, "roles": sorted(who.roles)}

    @app.get("/read", dependencies=[keeper.require(READ)])
    async def read(who: Who) -> dict[str, object]:
        return {"subject": who.subject, "author": who.author}

    return app


async def _call(method: str, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, headers=headers)


async def test_the_ops_token_is_a_person_with_every_ops_role() -> None:
    answer = await _call("POST", "/decide", OPS_TOKEN)
    assert answer.status_code == 200
    assert answer.json() == {
        "subject": "static:ops",
        "via": "static-token",
        "roles": sorted({VIEWER, EDITOR, DECIDER, ADMIN}),
    }


async def test_a_machine_token_reads_but_may_not_decide() -> None:
    read = await _call("GET", "/read", GATEWAY_TOKEN)
    assert read.status_code == 200
    assert read.json() == {"subject": "static:gateway", "author": "gateway <static:gateway>"}
    refused = await _call("POST", "/decide", GATEWAY_TOKEN)
    assert refused.status_code == 403
    assert "decide" in refused.json()["detail"] and "write" in refused.json()["detail"]


@pytest.mark.parametrize("token", [None, "", "not-a-token", "a.b.c"])
async def test_no_principal_without_a_valid_token(token: str | None) -> None:
    answer = await _call("GET", "/read", token)
    assert answer.status_code == 401


def test_production_refuses_the_shared_ops_token_at_every_service() -> None:
    """The shared ops token is for development and tests (docs/adr/0019): a service in
    production admits it nowhere; the machines' tokens still work."""
    from stemkit.database_settings import DatabaseServiceSettings

    real = {
        "ops_token": SecretStr("production-ops-token-0123456789abcdefgh"),
        "gateway_token": SecretStr("production-gateway-token-0123456789abcd"),
        "cli_token": SecretStr("production-cli-token-0123456789abcdefgh"),
    }
    for environment, admitted in (("test", True), ("production", False)):
        keeper = DatabaseServiceSettings(environment=environment, **real).doorkeeper()  # type: ignore[arg-type]
        assert (keeper.caller_of(real["ops_token"].get_secret_value()) is not None) is admitted
        assert keeper.caller_of(real["gateway_token"].get_secret_value()) is not None
    with pytest.raises(ValueError, match="https"):
        DatabaseServiceSettings(environment="production", oidc_issuer="http://idp/realms/x", **real)  # type: ignore[arg-type]
