"""The registry consumer: `python -m activities.entrypoints.consumer` (Kafka -> state).

Keeps this service's copy of the registry's municipalities and academy organizers, and
re-links stored activities when they change.
"""

from __future__ import annotations

import asyncio

from activities.bootstrap import SERVICE, bootstrap
from activities.config import Settings
from activities.service_layer.registry_events import TOPICS, handle_registry_event
from stemkit.consumer import EventConsumer
from stemkit.logging import configure_logging
from stemkit.runner import run_until_signal, serve_metrics

GROUP = "activities"
DEAD_LETTER_TOPIC = "stem.activities.dlq.v1"


async def consume(settings: Settings, stop: asyncio.Event) -> None:
    runtime = bootstrap(settings)
    consumer = EventConsumer(
        name=GROUP,
        topics=TOPICS,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        session_factory=runtime.session_factory,
        handler=handle_registry_event,
        dead_letter_topic=DEAD_LETTER_TOPIC,
    )
    try:
        await consumer.run(stop)
    finally:
        await runtime.engine.dispose()


def main() -> None:
    settings = Settings()
    configure_logging(f"{SERVICE}-consumer", settings.log_level)
    serve_metrics(settings.consumer_metrics_port)
    run_until_signal(lambda stop: consume(settings, stop))


if __name__ == "__main__":
    main()
