"""The consumer: `python -m subsidy.entrypoints.consumer` (activity events -> reach) until SIGTERM.

Group `subsidy` on the activities topic; messages that keep failing go to the dead-letter
topic. /metrics on SUBSIDY_CONSUMER_METRICS_PORT.
"""

from __future__ import annotations

import asyncio

from stemkit.consumer import EventConsumer
from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.logging import configure_logging
from stemkit.runner import run_until_signal, serve_metrics
from subsidy.bootstrap import database
from subsidy.config import SERVICE, Settings
from subsidy.service_layer.handlers import handle_activity_event


async def consume(settings: Settings, stop: asyncio.Event) -> None:
    db = database(settings)
    consumer = EventConsumer(
        name=settings.consumer_group,
        topics=[ACTIVITY_TOPIC],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        session_factory=db.sessions,
        handler=handle_activity_event,
        dead_letter_topic=settings.dead_letter_topic,
    )
    try:
        await consumer.run(stop)
    finally:
        await db.dispose()


def main() -> None:
    settings = Settings()
    configure_logging(f"{SERVICE}-consumer", settings.log_level)
    serve_metrics(settings.consumer_metrics_port)
    run_until_signal(lambda stop: consume(settings, stop))


if __name__ == "__main__":
    main()
