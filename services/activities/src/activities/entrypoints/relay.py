"""The outbox relay: `python -m activities.entrypoints.relay` (outbox -> Kafka).

Run exactly one per database (see `stemkit.relay`).
"""

from __future__ import annotations

import asyncio

from activities.bootstrap import SERVICE, bootstrap
from activities.config import Settings
from stemkit.kafka import KafkaPublisher
from stemkit.logging import configure_logging
from stemkit.relay import OutboxRelay
from stemkit.runner import run_until_signal, serve_metrics


async def relay(settings: Settings, stop: asyncio.Event) -> None:
    runtime = bootstrap(settings)
    publisher = KafkaPublisher(settings.kafka_bootstrap_servers, client_id=f"{SERVICE}-relay")
    outbox_relay = OutboxRelay(
        service=SERVICE, session_factory=runtime.session_factory, publisher=publisher
    )
    try:
        await outbox_relay.run(stop)
    finally:
        await publisher.stop()
        await runtime.engine.dispose()


def main() -> None:
    settings = Settings()
    configure_logging(f"{SERVICE}-relay", settings.log_level)
    serve_metrics(settings.relay_metrics_port)
    run_until_signal(lambda stop: relay(settings, stop))


if __name__ == "__main__":
    main()
