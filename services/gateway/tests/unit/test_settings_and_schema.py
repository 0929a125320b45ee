"""Gateway settings (partner keys) and the exported schema."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.config import DEV_PARTNER_KEY, Settings
from gateway.entrypoints.cli import main


def test_partner_keys_come_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PARTNER_API_KEYS", " key-a, key-b ,")
    keys = Settings().partner_api_keys
    assert [k.get_secret_value() for k in keys] == ["key-a", "key-b"]


def test_development_has_the_dev_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATEWAY_PARTNER_API_KEYS", raising=False)
    settings = Settings(environment="development")
    assert [k.get_secret_value() for k in settings.partner_api_keys] == [DEV_PARTNER_KEY]
    assert settings.graphiql


def test_production_refuses_the_dev_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEM_ENV", "production")
    for name in ("STEM_OPS_TOKEN", "STEM_GATEWAY_TOKEN", "STEM_CLI_TOKEN"):
        monkeypatch.setenv(name, f"a-real-{name.lower()}-of-32-characters-at-least")
    real_key = "a-real-partner-key-of-32-characters-at-least"
    monkeypatch.setenv("GATEWAY_PARTNER_API_KEYS", f"{real_key},{DEV_PARTNER_KEY}")
    with pytest.raises(ValidationError, match="development key"):
        Settings()
    monkeypatch.setenv("GATEWAY_PARTNER_API_KEYS", real_key)
    assert not Settings().graphiql


def test_export_schema_prints_the_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-schema"]) == 0
    sdl = capsys.readouterr().out
    assert "type Query {" in sdl
    assert "activity(id: ID!, languages: [Language!] = null): Activity" in sdl
    assert "reach(year: Int = null): [Reach!]!" in sdl
