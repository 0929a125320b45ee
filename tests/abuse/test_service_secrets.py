"""Secrets at start-up and the empty bearer (issue 17).

An empty ops token is refused in every environment; outside development (STEM_ENV test or
production) every secret shorter than 32 characters is refused, and production refuses the
development defaults. `Authorization: Bearer` with nothing after it never opens a door, even
when a caller's token is configured empty.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings

from activities.config import Settings as ActivitiesSettings
from gateway.config import Settings as GatewaySettings
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api import create_app as registry_app
from stemkit.access.auth import READ, Doorkeeper, require_ops_token
from stemkit.settings import DEV_OPS_TOKEN, MIN_SECRET_LENGTH
from subsidy.config import Settings as SubsidySettings

SERVICES: list[type[BaseSettings]] = [
    RegistrySettings,
    ActivitiesSettings,
    SubsidySettings,
    GatewaySettings,
]
LONG = "x" * MIN_SECRET_LENGTH
SHORT = "x" * (MIN_SECRET_LENGTH - 1)
TOKENS = ("ops_token", "gateway_token", "cli_token")
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"secrets-suite-webhook-secret-01").decode()


def real_secrets(**overrides: Any) -> dict[str, Any]:
    """Settings with a real (long, distinct) value for every secret: the shared tokens, the
    gateway's partner keys, the activities webhook secret (extra fields are ignored)."""
    given: dict[str, Any] = {name: SecretStr(f"{name}-{LONG}") for name in TOKENS}
    given["partner_api_keys"] = [SecretStr(f"partner-{LONG}")]
    given["webhook_secrets"] = [SecretStr(WEBHOOK_SECRET)]
    return {**given, **overrides}


@pytest.mark.parametrize("settings", SERVICES)
@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_ops_token_is_refused_everywhere(
    settings: type[BaseSettings], environment: str, empty: str
) -> None:
    with pytest.raises(ValidationError, match="STEM_OPS_TOKEN must not be empty"):
        settings(**real_secrets(environment=environment, ops_token=SecretStr(empty)))


@pytest.mark.parametrize("settings", SERVICES)
@pytest.mark.parametrize("environment", ["test", "production"])
@pytest.mark.parametrize("token", TOKENS)
def test_a_short_token_is_refused_outside_development(
    settings: type[BaseSettings], environment: str, token: str
) -> None:
    with pytest.raises(ValidationError, match=f"at least {MIN_SECRET_LENGTH} characters"):
        settings(**real_secrets(environment=environment, **{token: SecretStr(SHORT)}))
    assert settings(**real_secrets(environment=environment, **{token: SecretStr(LONG + "!")}))


@pytest.mark.parametrize("settings", SERVICES)
def test_development_takes_any_non_empty_token(settings: type[BaseSettings]) -> None:
    assert settings(**real_secrets(environment="development", ops_token=SecretStr("t")))


@pytest.mark.parametrize("settings", SERVICES)
def test_production_refuses_the_development_tokens(settings: type[BaseSettings]) -> None:
    with pytest.raises(ValidationError, match="real secret in production"):
        settings(**real_secrets(environment="production", ops_token=SecretStr(DEV_OPS_TOKEN)))
    without_gateway_token = real_secrets(environment="production")
    del without_gateway_token["gateway_token"]  # its default: the development token
    with pytest.raises(ValidationError, match="real secret in production"):
        settings(**without_gateway_token)


def test_the_gateway_refuses_short_partner_keys_and_ops_tokens_outside_development() -> None:
    with pytest.raises(ValidationError, match="GATEWAY_PARTNER_API_KEYS"):
        GatewaySettings(**real_secrets(environment="test", partner_api_keys=[SecretStr(SHORT)]))
    with pytest.raises(ValidationError, match="GATEWAY_OPS_TOKEN_SCOPES"):
        GatewaySettings(
            **real_secrets(
                environment="test",
                partner_api_keys=[SecretStr(LONG)],
                ops_token_scopes={SHORT: ["reviews"]},
            )
        )


BARE_BEARERS = ["Bearer ", "Bearer", "Bearer  ", "bearer \t"]


@pytest.mark.parametrize("header", BARE_BEARERS)
async def test_an_empty_bearer_never_matches_an_empty_token(header: str) -> None:
    """A caller configured with an empty token (development allows it for the gateway and the
    CLI) is dropped, and the plain ops-token check refuses an empty token too."""
    app = FastAPI()
    keys = Doorkeeper({"gateway": (SecretStr(""), {READ}), "cli": (SecretStr(" "), {READ})})

    @app.get("/scoped", dependencies=[keys.require(READ)])
    async def scoped() -> str:
        return "open"

    @app.get("/ops", dependencies=[Depends(require_ops_token(SecretStr("")))])
    async def ops() -> str:
        return "open"

    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for path in ("/scoped", "/ops"):
            answer = await client.get(path, headers={"Authorization": header})
            assert answer.status_code == 401, (path, header, answer.text)


@pytest.mark.parametrize("header", BARE_BEARERS)
async def test_a_service_with_an_empty_caller_token_refuses_the_empty_bearer(
    tmp_path: Path, header: str
) -> None:
    settings = RegistrySettings(
        data_dir=str(tmp_path), gateway_token=SecretStr(""), cli_token=SecretStr("")
    )
    app = registry_app(settings)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        for path in ("/recognition/reviews-due", "/participant-reports?year=2024"):
            answer = await client.get(path, headers={"Authorization": header})
            assert answer.status_code == 401, (path, header, answer.text)
