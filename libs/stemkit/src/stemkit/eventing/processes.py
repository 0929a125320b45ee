"""The relay and consumer processes of a service, the same for every service.

A service's `entrypoints/relay.py` and `entrypoints/consumer.py` only say what is theirs
(which database; for a consumer, how to build its `EventConsumer` and which loops run
beside it) and call these: the one way to start either process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.database_settings import DatabaseServiceSettings
from stemkit.eventing.consumer import EventConsumer
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


ConsumerFactory = Callable[[async_sessionmaker[AsyncSession]], EventConsumer]
SideJob = Callable[[Database, asyncio.Event], Awaitable[None]]
"""A loop that runs in the consumer's process, on its database, until `stop` is set."""


def run_consumer(
    service: str,
    settings: ServiceSettings,
    open_database: Callable[[], Database],
    metrics_port: int | None,
    consumer: ConsumerFactory,
    *,
    beside: Sequence[SideJob] = (),
) -> None:
    """Apply other services' events to this service's state until SIGTERM: the consumer
    that `consumer(session_factory)` builds, and the `beside` loops of the same process
    (e.g. work the events leave to be done later), all on one database."""
    configure_logging(f"{service}-consumer", settings.log_level)
    serve_metrics(metrics_port)

    async def consume(stop: asyncio.Event) -> None:
        database = open_database()
        jobs: list[Awaitable[None]] = [consumer(database.session_factory).run(stop)]
        jobs += [job(database, stop) for job in beside]
        try:
            await asyncio.gather(*jobs)
        finally:
            await database.dispose()

    run_until_signal(consume)
