"""The outbox relay: `python -m subsidy.entrypoints.relay` (outbox -> Kafka) until SIGTERM.

Run exactly one per database (see `stemkit.relay`); /metrics on SUBSIDY_RELAY_METRICS_PORT.
"""

from __future__ import annotations

import asyncio

from stemkit.kafka import KafkaPublisher
from stemkit.logging import configure_logging
from stemkit.relay import OutboxRelay
from stemkit.runner import run_until_signal, serve_metrics
from subsidy.bootstrap import database
from subsidy.config import SERVICE, Settings


async def relay(settings: Settings, stop: asyncio.Event) -> None:
    db = database(settings)
    publisher = KafkaPublisher(settings.kafka_bootstrap_servers, client_id=f"{SERVICE}-relay")
    outbox_relay = OutboxRelay(service=SERVICE, session_factory=db.sessions, publisher=publisher)
    try:
        await outbox_relay.run(stop)
    finally:
        await publisher.stop()
        await db.dispose()


def main() -> None:
    settings = Settings()
    configure_logging(f"{SERVICE}-relay", settings.log_level)
    serve_metrics(settings.relay_metrics_port)
    run_until_signal(lambda stop: relay(settings, stop))


if __name__ == "__main__":
    main()
