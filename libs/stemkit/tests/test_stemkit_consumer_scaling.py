"""Two members of one consumer group on one PostgreSQL database (issue 19, ADR 0018).

Each member's chunk is one transaction; when their events take shared rows in opposite
orders, PostgreSQL ends the cycle by failing one handler. That handler's savepoint is
rolled back alone: the messages before it stay committed, it is settled again by itself,
and no good message of either chunk runs twice (before: the losing chunk was rolled back
whole and run again one message at a time).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from libs.stemkit.tests.stemkit_support import FakeRecord, thing_catalog, thing_event, unique_topic
from libs.stemkit.tests.test_stemkit_consumer import FakeDeadLetters
from libs.stemkit.tests.test_stemkit_consumer_batches import Sessions, make_consumer
from stemkit.eventing import CloudEvent
from stemkit.eventing.consumer import Outcome

pytestmark = pytest.mark.postgres

CATALOG = thing_catalog(unique_topic())
H = Outcome.HANDLED


async def test_members_crossing_on_shared_rows_do_not_repeat_their_good_work(
    pg_sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    async with pg_sessions.begin() as session:
        await session.execute(text("CREATE TABLE shared (name text PRIMARY KEY, n int)"))
        await session.execute(text("INSERT INTO shared VALUES ('x', 0), ('y', 0)"))
    runs: Counter[str] = Counter()

    async def count_on_shared_row(session: AsyncSession, event: CloudEvent) -> None:
        runs[event.id] += 1
        name = event.data["thing_id"]
        await session.execute(text("UPDATE shared SET n = n + 1 WHERE name = :n"), {"n": name})
        await asyncio.sleep(0.3)  # both chunks hold their first row now

    first = [thing_event(CATALOG, name, n) for n, name in enumerate(["x", "y"])]
    second = [thing_event(CATALOG, name, n) for n, name in enumerate(["y", "x"])]
    members = [make_consumer(pg_sessions, count_on_shared_row) for _ in range(2)]
    dead = FakeDeadLetters()

    with caplog.at_level(logging.INFO, logger="stemkit.eventing.consumer"):
        outcomes = await asyncio.gather(
            *(
                member.process_chunk(
                    [
                        replace(FakeRecord.of(e, offset=n), partition=p)
                        for n, e in enumerate(events)
                    ],
                    asyncio.Event(),
                    dead,
                )
                for p, (member, events) in enumerate(zip(members, [first, second], strict=True))
            )
        )

    assert outcomes == [[H, H], [H, H]]
    async with pg_sessions() as session:
        counts: dict[str, int] = dict(
            (await session.execute(text("SELECT name, n FROM shared"))).all()
        )
    assert counts == {"x": 2, "y": 2}  # every event's effect once
    # One handler lost the deadlock and ran again alone; every other ran once.
    assert sorted(runs.values()) == [1, 1, 1, 2]
    assert "settling them one at a time" not in caplog.text
    assert dead.sent == []
