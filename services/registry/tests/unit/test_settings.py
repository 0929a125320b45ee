"""Settings come from REGISTRY_* variables (the demo academies: tests/tools)."""

from __future__ import annotations

import pytest

from registry.bootstrap import database_url
from registry.config import Settings
from stemkit.storage.db import prepare_url


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REGISTRY_DATABASE_URL", "REGISTRY_RELAY_METRICS_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STEM_DATA_DIR", "/srv/data")
    settings = Settings()
    assert settings.relay_metrics_port == 9101
    assert database_url(settings) == "sqlite+aiosqlite:////srv/data/registry.db"


def test_settings_read_the_registry_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql://stem@db:5432/registry")
    monkeypatch.setenv("REGISTRY_RELAY_METRICS_PORT", "9200")
    settings = Settings()
    assert settings.relay_metrics_port == 9200
    # A plain DSN gets the async driver the services use.
    assert prepare_url(database_url(settings)) == "postgresql+asyncpg://stem@db:5432/registry"
