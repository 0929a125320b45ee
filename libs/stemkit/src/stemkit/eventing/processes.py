"""The relay and consumer processes of a service, the same for every service.

A service's `entrypoints/relay.py` and `entrypoints/consumer.py` only say what is theirs
(which database, which topics, which handler) and call these.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from stemkit.database_settings import DatabaseServiceSettings
from stemkit.eventing.consumer import EventConsumer, Handler
from stemkit.eventing.kafka import KafkaPublisher
from stemkit.eventing.relay import OutboxRelay
from stemkit.eventing.retention import run_retention
from stemkit.eventing.runner import run_until_signal, serve_metrics
from stemkit.logging import configure_logging
from stemkit.settings import ServiceSettings
from stemkit.storage.db import Database


def run_relay(
    service: str,
    settings: ServiceSettings,
    open_database: Callable[[], Database],
    metrics_port: int | None,
) -> None:
    """Publish the service's outbox until SIGTERM, and purge its sent outbox rows and old
    inbox rows now and then (`stemkit.eventing.retention`). Run exactly one per database."""
    configure_logging(f"{service}-relay", settings.log_level)
    serve_metrics(metrics_port)

    async def relay(stop: asyncio.Event) -> None:
        database = open_database()
        publisher = KafkaPublisher(settings.kafka_bootstrap_servers, client_id=f"{service}-relay")
        outbox_relay = OutboxRelay(
            service=service, session_factory=database.session_factory, publisher=publisher
        )
        jobs = [outbox_relay.run(stop)]
        if isinstance(settings, DatabaseServiceSettings):  # one relay per database: it purges
            jobs.append(
                run_retention(
                    service,
                    database.session_factory,
                    stop,
                    retentions=settings.retentions(),
                    interval=settings.retention_interval_seconds,
                )
            )
        try:
            await asyncio.gather(*jobs)
        finally:
            await publisher.stop()
            await database.dispose()

    run_until_signal(relay)


def run_consumer(
    service: str,
    settings: ServiceSettings,
    open_database: Callable[[], Database],
    metrics_port: int | None,
    *,
    group: str,
    topics: Sequence[str],
    handler: Handler,
    dead_letter_topic: str,
) -> None:
    """Apply other services' events to this service's state until SIGTERM."""
    configure_logging(f"{service}-consumer", settings.log_level)
    serve_metrics(metrics_port)

    async def consume(stop: asyncio.Event) -> None:
        database = open_database()
        consumer = EventConsumer(
            name=group,
            topics=topics,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            session_factory=database.session_factory,
            handler=handler,
            dead_letter_topic=dead_letter_topic,
        )
        try:
            await consumer.run(stop)
        finally:
            await database.dispose()

    run_until_signal(consume)
