"""Partner keys (stored hashed, ops command), CORS, introspection in production."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from gateway.adapters.key_store import KeyStore
from gateway.config import Settings
from gateway.entrypoints.cli import main

INTROSPECTION = "{ __schema { queryType { name } } }"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.fixture
def data_dir(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STEM_DATA_DIR", settings.data_dir)
    return Path(settings.data_dir)


async def test_keys_create_list_revoke(
    data_dir: Path, gateway: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    created = dict(
        line.split("=", 1) for line in cli(capsys, "keys", "create", "Technopolis").split()
    )
    key, key_id = created["key"], created["id"]
    stored = (data_dir / "gateway-keys.json").read_text()
    assert key not in stored and key_id in stored  # only the hash is kept
    assert oct((data_dir / "gateway-keys.json").stat().st_mode & 0o777) == "0o600"

    ask = {"query": "{ __typename }"}
    assert (await gateway.post("/graphql", json=ask, headers={"X-API-Key": key})).status_code == 200

    listed = cli(capsys, "keys", "list")
    assert listed.startswith(f"{key_id}\tTechnopolis\t") and listed.rstrip().endswith("\t-")

    cli(capsys, "keys", "revoke", key_id)
    assert (await gateway.post("/graphql", json=ask, headers={"X-API-Key": key})).status_code == 401
    assert not cli(capsys, "keys", "list").rstrip().endswith("\t-")


@pytest.mark.usefixtures("data_dir")
def test_revoking_an_unknown_key_fails() -> None:
    assert main(["keys", "revoke", "nope"]) == 1


def test_a_missing_store_has_no_keys(tmp_path: Path) -> None:
    assert KeyStore(tmp_path / "none.json").all() == []


@pytest.fixture
def partner_origin(settings: Settings) -> str:
    settings.cors_origins = ["https://www.technopolis.be"]
    return "https://www.technopolis.be"


async def test_cors_for_configured_partner_origins(
    partner_origin: str, gateway: httpx.AsyncClient
) -> None:
    preflight = {
        "Origin": partner_origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-api-key,content-type",
    }
    allowed = await gateway.options("/graphql", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == partner_origin

    other = await gateway.options(
        "/graphql", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


SCOPED_OPS_TOKEN = "a-real-scoped-ops-token-for-production-tests"


@pytest.fixture
def production(settings: Settings) -> Settings:
    settings.environment = "production"
    settings.partner_api_keys = [SecretStr("a-real-partner-key")]
    settings.ops_token_scopes = {SCOPED_OPS_TOKEN: ["report"]}
    return settings


@pytest.mark.usefixtures("production")
async def test_no_introspection_for_partners_in_production(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    partner = await gateway.post(
        "/graphql", json={"query": INTROSPECTION}, headers={"X-API-Key": "a-real-partner-key"}
    )
    assert "introspection has been disabled" in json.dumps(partner.json()["errors"]).lower()

    ops = await gateway.post(
        "/graphql",
        json={"query": INTROSPECTION},
        headers={"Authorization": f"Bearer {SCOPED_OPS_TOKEN}"},
    )
    assert ops.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    # The shared ops token is for development and tests only (docs/adr/0019).
    shared = await gateway.post(
        "/graphql", json={"query": INTROSPECTION}, headers={"Authorization": f"Bearer {ops_token}"}
    )
    assert shared.status_code == 401


async def test_introspection_for_partners_in_development(
    gateway: httpx.AsyncClient, partner_key: str
) -> None:
    answer = await gateway.post(
        "/graphql", json={"query": INTROSPECTION}, headers={"X-API-Key": partner_key}
    )
    assert answer.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_a_wrong_ops_token_is_a_401(gateway: httpx.AsyncClient) -> None:
    answer = await gateway.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": "Bearer nope"}
    )
    assert answer.status_code == 401
