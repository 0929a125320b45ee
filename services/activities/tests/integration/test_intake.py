"""The webhook's group-commit intake on the real database: every delivery stored once, each
request told whether it was the first, and a lost connection costs no delivery."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text

from activities.adapters.delivery_store import RECEIVED
from activities.adapters.intake import Intake
from activities.adapters.orm import webhook_deliveries
from activities.bootstrap import migrate, open_database
from activities.config import Settings


async def test_concurrent_deliveries_are_stored_once_each(settings: Settings) -> None:
    database = open_database(settings)
    intake = Intake(database.engine)
    try:
        # 120 requests at once, ten of them a second copy of an id (same group or later).
        ids = [f"msg_{i}" for i in range(110)] + [f"msg_{i}" for i in range(0, 100, 10)]
        firsts = await asyncio.gather(
            *(intake.record(i, f'{{"n": "{i}"}}', "webhook") for i in ids)
        )
        async with database.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        webhook_deliveries.c.webhook_id,
                        webhook_deliveries.c.body,
                        webhook_deliveries.c.status,
                        webhook_deliveries.c.source,
                    )
                )
            ).all()
    finally:
        await intake.close()
        await database.dispose()

    assert firsts[:110] == [True] * 110  # the first copy of each id is the one stored
    assert firsts[110:] == [False] * 10
    assert sorted(r.webhook_id for r in rows) == sorted(set(ids))
    assert {(r.body, r.status, r.source) for r in rows if r.webhook_id == "msg_7"} == {
        ('{"n": "msg_7"}', RECEIVED, "webhook")
    }


@pytest.mark.postgres
async def test_a_killed_connection_loses_no_delivery(pg_database_url: str) -> None:
    settings = Settings(database_url=pg_database_url)
    await asyncio.to_thread(migrate, settings)
    database = open_database(settings)
    intake = Intake(database.engine)
    try:
        assert await intake.record("before", "{}", "webhook") is True
        # The server ends the writer's kept connection, as a database restart would.
        async with database.engine.connect() as admin:
            ended = await admin.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            await admin.commit()
        assert ended == 1
        assert await intake.record("after", "{}", "webhook") is True
        assert await intake.record("after", "{}", "webhook") is False
        async with database.engine.connect() as conn:
            stored = set((await conn.scalars(select(webhook_deliveries.c.webhook_id))).all())
    finally:
        await intake.close()
        await database.dispose()

    assert stored == {"before", "after"}
