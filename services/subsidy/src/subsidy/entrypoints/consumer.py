"""The consumer: `python -m subsidy.entrypoints.consumer` (events -> state, reach) until SIGTERM.

Group `subsidy` on the registry's academy and municipality topics and the activities
topic; messages that keep failing go to the dead-letter topic. The same process runs the
debounced calculations after changes (`service_layer.debounce`). /metrics on
SUBSIDY_CONSUMER_METRICS_PORT.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.contracts.registry import ACADEMY_TOPIC, MUNICIPALITY_TOPIC
from stemkit.eventing.consumer import EventConsumer
from stemkit.eventing.processes import run_consumer
from stemkit.eventing.runner import sleep_or_stop
from stemkit.storage.db import Database
from subsidy.bootstrap import open_database
from subsidy.config import SERVICE, Settings
from subsidy.service_layer.debounce import run_due
from subsidy.service_layer.handlers import HANDLED_TYPES, handle_event

TOPICS = [MUNICIPALITY_TOPIC, ACADEMY_TOPIC, ACTIVITY_TOPIC]
QUIET_SECONDS = 5.0  # a year is recalculated once its inputs were quiet this long
POLL_SECONDS = 1.0
log = logging.getLogger(__name__)


def events_consumer(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> EventConsumer:
    """The consumer of registry and activity events. By the catalogue (ADR 0009): a type or
    version not catalogued for its topic, and data that fails its contract, are
    dead-lettered; the topics' types this service does not use are skipped."""
    return EventConsumer(
        name=settings.consumer_group,
        topics=TOPICS,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        session_factory=session_factory,
        handler=handle_event,
        dead_letter_topic=settings.dead_letter_topic,
        catalog=CATALOG,
        handles=HANDLED_TYPES,
    )


async def debounced(settings: Settings, database: Database, stop: asyncio.Event) -> None:
    """Beside the consumer: recalculate the years whose inputs have been quiet long enough."""
    demo = settings.environment == "development"
    while not await sleep_or_stop(stop, POLL_SECONDS):
        try:
            await run_due(database.session_factory, quiet=QUIET_SECONDS, demo=demo)
        except Exception:
            log.exception("debounced calculation failed; retrying")


def main() -> None:
    settings = Settings()
    run_consumer(
        SERVICE,
        settings,
        partial(open_database, settings),
        settings.consumer_metrics_port,
        partial(events_consumer, settings),
        beside=[partial(debounced, settings)],
    )


if __name__ == "__main__":
    main()
