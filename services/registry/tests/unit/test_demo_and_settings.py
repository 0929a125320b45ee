"""The demo academies are clearly synthetic; settings come from REGISTRY_* variables."""

from __future__ import annotations

import pytest

from registry.adapters import reference_files
from registry.bootstrap import database_url
from registry.config import Settings
from registry.service_layer.demo import DEMO_ACADEMIES, E2E_ORGANIZER_ID
from stemkit.db import prepare_url


def test_there_are_three_to_five_demo_academies_all_labelled() -> None:
    assert 3 <= len(DEMO_ACADEMIES) <= 5
    assert all(demo.name.startswith("[DEMO] ") for demo in DEMO_ACADEMIES)
    assert len({demo.academy_id for demo in DEMO_ACADEMIES}) == len(DEMO_ACADEMIES)


def test_the_end_to_end_organizer_belongs_to_a_demo_academy_in_leuven() -> None:
    owners = [demo for demo in DEMO_ACADEMIES if E2E_ORGANIZER_ID in demo.uit_organizer_ids]
    assert len(owners) == 1
    assert owners[0].home_nis_code == "24062"


def test_demo_academies_live_in_current_municipalities() -> None:
    current = {m.nis_code for m in reference_files.municipalities() if m.valid_in(2025)}
    assert {demo.home_nis_code for demo in DEMO_ACADEMIES} <= current


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
