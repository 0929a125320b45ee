"""`GET /poller/status` (ops token): the Search API poller's cursors and when it last
moved them, on PostgreSQL and SQLite. (`GET /consumer-lag` is stemkit's, tested on the real
broker in libs/stemkit/tests/test_stemkit_consumer_lag.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import poll_state
from stemkit.settings import DEV_OPS_TOKEN

OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}


async def test_the_pollers_cursors_and_last_sync(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert (await client.get("/poller/status")).status_code == 403  # a reader's token
    assert (await client.get("/poller/status", headers=OPS)).json() == []  # never synced

    before = datetime.now(UTC)
    async with sessions() as session, session.begin():
        await poll_state.advance(session, "event", datetime(2025, 3, 1, 9, tzinfo=UTC))
        await poll_state.advance(session, "place", datetime(2025, 2, 1, tzinfo=UTC))
    found = (await client.get("/poller/status", headers=OPS)).json()

    assert [(c["kind"], c["cursor"][:19]) for c in found] == [
        ("event", "2025-03-01T09:00:00"),
        ("place", "2025-02-01T00:00:00"),
    ]
    synced = datetime.fromisoformat(found[0]["updated_at"])
    assert synced.tzinfo is not None and synced >= before.replace(microsecond=0)
