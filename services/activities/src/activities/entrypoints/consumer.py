"""The consumer process: `python -m activities.entrypoints.consumer`.

Registry events -> this service's copies (municipalities, academy organizers), and
re-resolving the stored activities they concern (group `activities`). The delivery worker,
the purge and the poller run in a process of their own: `entrypoints/worker.py` (ADR 0024).
/metrics on ACTIVITIES_CONSUMER_METRICS_PORT.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.bootstrap import open_database
from activities.config import SERVICE, Settings
from activities.service_layer.handlers import HANDLED_TYPES, handle_event
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import ACADEMY_TOPIC, MUNICIPALITY_TOPIC
from stemkit.eventing.consumer import EventConsumer
from stemkit.eventing.processes import run_consumer

TOPICS = (ACADEMY_TOPIC, MUNICIPALITY_TOPIC)
GROUP = "activities"
DEAD_LETTER_TOPIC = "stem.activities.dlq.v1"


def registry_consumer(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> EventConsumer:
    """The registry-events consumer. By the catalogue (ADR 0009): a type or version not
    catalogued for its topic, and data that fails its contract, are dead-lettered; the
    registry's types this service does not need (recognition, roles, ...) are skipped."""
    return EventConsumer(
        name=GROUP,
        topics=TOPICS,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        session_factory=session_factory,
        handler=handle_event,
        dead_letter_topic=DEAD_LETTER_TOPIC,
        catalog=CATALOG,
        handles=HANDLED_TYPES,
    )


def main() -> None:
    settings = Settings()
    run_consumer(
        SERVICE,
        settings,
        partial(open_database, settings),
        settings.consumer_metrics_port,
        partial(registry_consumer, settings),
    )


if __name__ == "__main__":
    main()
