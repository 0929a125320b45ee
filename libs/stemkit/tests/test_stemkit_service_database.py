"""One wiring of a service's own database (stemkit.storage.service_database), used by the three
services with a database through their `bootstrap` module: the URL from the settings, the
engine, and the migrations to head, on a real SQLite file (issue 20)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text

import activities.bootstrap
import activities.config
import registry.bootstrap
import registry.config
import subsidy.bootstrap
import subsidy.config
from stemkit.storage.service_database import ServiceDatabase

SERVICES = [
    (registry.bootstrap, registry.config),
    (activities.bootstrap, activities.config),
    (subsidy.bootstrap, subsidy.config),
]


@pytest.mark.parametrize(("bootstrap", "config"), SERVICES, ids=lambda m: m.__name__)
def test_each_service_declares_only_its_name_and_migrations(
    bootstrap: ModuleType, config: ModuleType
) -> None:
    assert ServiceDatabase(config.SERVICE, bootstrap.MIGRATIONS) == bootstrap.DATABASE
    home = Path(str(bootstrap.__file__)).parent
    assert Path(bootstrap.MIGRATIONS) == home / "adapters" / "migrations"
    assert (Path(bootstrap.MIGRATIONS) / "env.py").is_file()
    # the names the entrypoints, tests and benches call stay
    assert bootstrap.open_database == bootstrap.DATABASE.open
    assert bootstrap.migrate == bootstrap.DATABASE.migrate
    assert bootstrap.database_url == bootstrap.DATABASE.url


@pytest.mark.parametrize(("bootstrap", "config"), SERVICES, ids=lambda m: m.__name__)
async def test_the_url_then_migrate_then_open(
    bootstrap: ModuleType, config: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = config.SERVICE
    for name in ("DATABASE_URL", "DATABASE_STATEMENT_TIMEOUT"):
        monkeypatch.delenv(f"{service.upper()}_{name}", raising=False)
    monkeypatch.setenv("STEM_DATA_DIR", str(tmp_path / "data"))
    settings = config.Settings()
    database: ServiceDatabase = bootstrap.DATABASE
    url = database.url(settings)
    assert url == f"sqlite+aiosqlite:///{tmp_path}/data/{service}.db"

    # makes the folder and the file, to the newest revision (blocking: off the event loop)
    await asyncio.to_thread(database.migrate, settings)
    sync = create_engine(f"sqlite:///{tmp_path}/data/{service}.db")
    with sync.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    sync.dispose()

    db = database.open(settings)
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0
    finally:
        await db.engine.dispose()

    monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", "postgresql://stem@127.0.0.1:1/x")
    assert database.url(config.Settings()) == "postgresql://stem@127.0.0.1:1/x"
