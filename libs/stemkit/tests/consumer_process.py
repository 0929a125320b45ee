"""A consumer process started the one way services start theirs
(`stemkit.eventing.processes.run_consumer`), for the runner tests.

    python libs/stemkit/tests/consumer_process.py

Environment: `STEM_TEST_CONSUMER_DATABASE_URL` (with the test effect table),
`KAFKA_BOOTSTRAP_SERVERS`, `STEM_TEST_TOPIC`, `STEM_TEST_GROUP`, `STEM_TEST_MARK` (a file the
loop beside the consumer writes "running" into, then "stopped"). SIGTERM stops it cleanly.
"""

from __future__ import annotations

import asyncio
import os
from functools import partial
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import record_effect, thing_catalog
from stemkit.eventing.consumer import EventConsumer
from stemkit.eventing.processes import run_consumer
from stemkit.settings import ServiceSettings
from stemkit.storage.db import Database, open_database


def things_consumer(
    settings: ServiceSettings, session_factory: async_sessionmaker[AsyncSession]
) -> EventConsumer:
    topic = os.environ["STEM_TEST_TOPIC"]
    return EventConsumer(
        name=os.environ["STEM_TEST_GROUP"],
        topics=[topic],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        session_factory=session_factory,
        handler=record_effect,
        dead_letter_topic=f"{topic}.dlq",
        catalog=thing_catalog(topic),
    )


async def mark(database: Database, stop: asyncio.Event) -> None:
    path = Path(os.environ["STEM_TEST_MARK"])
    async with database.session_factory() as session:  # the consumer's database, open
        await session.execute(text("SELECT 1"))
    await asyncio.to_thread(path.write_text, "running")
    await stop.wait()
    await asyncio.to_thread(path.write_text, "stopped")


if __name__ == "__main__":
    settings = ServiceSettings()
    url = os.environ["STEM_TEST_CONSUMER_DATABASE_URL"]
    run_consumer(
        "runner-test",
        settings,
        partial(open_database, url),
        None,
        partial(things_consumer, settings),
        beside=[mark],
    )
