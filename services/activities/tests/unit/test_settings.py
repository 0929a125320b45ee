"""Webhook settings: secrets from the environment, rotation, refusal of the dev secret."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from activities.config import DEV_WEBHOOK_SECRET, Settings

OTHER = "whsec_" + base64.b64encode(b"a-real-secret-of-32-bytes-length").decode()


def secrets_of(settings: Settings) -> list[str]:
    return [s.get_secret_value() for s in settings.webhook_secrets]


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTIVITIES_WEBHOOK_SECRETS", raising=False)
    settings = Settings()

    assert secrets_of(settings) == [DEV_WEBHOOK_SECRET]
    assert settings.webhook_max_body_bytes == 1024 * 1024
    assert (settings.relay_metrics_port, settings.consumer_metrics_port) == (9102, 9112)


def test_several_secrets_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVITIES_WEBHOOK_SECRETS", f" {OTHER} ,{DEV_WEBHOOK_SECRET},")

    assert secrets_of(Settings()) == [OTHER, DEV_WEBHOOK_SECRET]


@pytest.mark.parametrize(
    "secret",
    [
        "c2VjcmV0",  # no whsec_ prefix
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"too short").decode(),
    ],
)
def test_malformed_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="webhook secret"):
        Settings(webhook_secrets=secret)


def test_no_secret_at_all_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(webhook_secrets=" , ")


def test_production_refuses_the_dev_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEM_ENV", "production")
    for name in ("STEM_OPS_TOKEN", "STEM_GATEWAY_TOKEN", "STEM_CLI_TOKEN"):
        monkeypatch.setenv(name, f"a-real-{name.lower()}-of-32-characters-at-least")
    monkeypatch.setenv("ACTIVITIES_WEBHOOK_SECRETS", f"{OTHER},{DEV_WEBHOOK_SECRET}")
    with pytest.raises(ValidationError, match="development secret"):
        Settings()

    monkeypatch.setenv("ACTIVITIES_WEBHOOK_SECRETS", OTHER)
    assert secrets_of(Settings()) == [OTHER]
