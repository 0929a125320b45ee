"""The embedded default (`make run`): the whole registry on a SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from pydantic import SecretStr

from registry.bootstrap import database_url
from registry.config import Settings
from registry.entrypoints import cli
from registry.entrypoints.api import create_app, database_of
from tools.demo.academies import DEMO_ACADEMIES, seed_demo_academies

ORGANIZER = "0f4b8c1e-9a2d-4e6f-8b3c-5d7e9f1a2b3c"
TOKEN = "t"  # development: any non-empty ops token will do


async def test_migrate_load_seed_and_register_on_sqlite(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path / "data"), ops_token=SecretStr(TOKEN))
    assert database_url(settings) == f"sqlite+aiosqlite:///{tmp_path}/data/registry.db"

    await asyncio.to_thread(cli.migrate, settings)
    await cli.load_reference_data(settings)
    await seed_demo_academies(settings)  # as make run does (tools/demo)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        reader = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://registry", headers=reader
        ) as api:
            created = await api.post(
                "/academies",
                json={"name": "Codeclub Gent", "uit_organizer_ids": [ORGANIZER]},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert created.status_code == 201, created.text
            again = await api.post(
                "/academies",
                json={"name": "Other", "uit_organizer_ids": [ORGANIZER.upper()]},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert again.status_code == 409
            listed = (await api.get("/academies")).json()
            fetched = (await api.get(f"/academies/{created.json()['id']}")).json()
            assert len((await api.get("/municipalities", params={"year": 2025})).json()) == 285
    finally:
        await database_of(app).dispose()
    assert "Codeclub Gent" in [a["name"] for a in listed]
    assert sum(a["demo"] for a in listed) == len(DEMO_ACADEMIES)
    # SQLite drops the zone; the registry hands timestamps back in UTC all the same.
    assert fetched["created_at"] == created.json()["created_at"]
