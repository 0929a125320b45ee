"""Municipality follow-ups on the embedded default: a SQLite file, migrated by Alembic."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from pydantic import SecretStr

from registry.config import Settings
from registry.entrypoints import cli
from registry.entrypoints.api import create_app, database_of

TOKEN = "t"  # development: any non-empty ops token will do


async def test_a_follow_up_is_recorded_and_listed_on_sqlite(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path / "data"), ops_token=SecretStr(TOKEN))
    await asyncio.to_thread(cli.migrate, settings)
    await cli.load_reference_data(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    body = {"reason": "low_demand", "initiative": "aanbod via de bib", "author": "ops"}
    try:
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://registry",
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as api:
            for _ in range(2):  # a second recording replaces the first
                put = await api.put("/municipalities/23023/follow-up/2022", json=body)
                assert put.status_code == 200, put.text
            refused = await api.put("/municipalities/23106/follow-up/2022", json=body)
            listed = (await api.get("/municipality-follow-ups", params={"year": 2022})).json()
    finally:
        await database_of(app).dispose()
    assert refused.status_code == 422
    assert [(f["nis_code"], f["reason"], f["initiative"]) for f in listed] == [
        ("23023", "low_demand", "aanbod via de bib")
    ]
    assert listed[0]["recorded_at"] == put.json()["recorded_at"]  # UTC on SQLite too
