"""The consumer: `python -m subsidy.entrypoints.consumer` (events -> state, reach) until SIGTERM.

Group `subsidy` on the registry's academy and municipality topics and the activities
topic; messages that keep failing go to the dead-letter topic. The same process runs the
debounced calculations after changes (`service_layer.debounce`). /metrics on
SUBSIDY_CONSUMER_METRICS_PORT.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.contracts.registry import ACADEMY_TOPIC, MUNICIPALITY_TOPIC
from stemkit.eventing.consumer import EventConsumer
from stemkit.eventing.runner import run_until_signal, serve_metrics, sleep_or_stop
from stemkit.logging import configure_logging
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


def main() -> None:
    settings = Settings()
    configure_logging(f"{SERVICE}-consumer", settings.log_level)
    serve_metrics(settings.consumer_metrics_port)

    async def consume(stop: asyncio.Event) -> None:
        database = open_database(settings)
        consumer = events_consumer(settings, database.session_factory)

        async def debounced() -> None:
            demo = settings.environment == "development"
            while not await sleep_or_stop(stop, POLL_SECONDS):
                try:
                    await run_due(database.session_factory, quiet=QUIET_SECONDS, demo=demo)
                except Exception:
                    log.exception("debounced calculation failed; retrying")

        try:
            await asyncio.gather(consumer.run(stop), debounced())
        finally:
            await database.dispose()

    run_until_signal(consume)


if __name__ == "__main__":
    main()
