"""An outbox relay as a real process, for the crash tests (and a template for services).

    python libs/stemkit/tests/relay_process.py

Environment: `STEM_TEST_RELAY_DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`, optional
`STEM_TEST_RELAY_SERVICE` and `STEM_TEST_METRICS_PORT`; the relay's fault hooks
(`STEM_RELAY_CRASH_BEFORE_PUBLISH` / `_AFTER_PUBLISH`, see `stemkit.eventing.relay`) make it die at
the chosen point. SIGTERM stops it cleanly (exit code 0).
"""

from __future__ import annotations

import asyncio
import os

from stemkit.eventing.kafka import KafkaPublisher
from stemkit.eventing.relay import OutboxRelay
from stemkit.eventing.runner import run_until_signal, serve_metrics
from stemkit.logging import configure_logging
from stemkit.storage.db import make_engine, make_session_factory


async def main(stop: asyncio.Event) -> None:
    engine = make_engine(os.environ["STEM_TEST_RELAY_DATABASE_URL"])
    publisher = KafkaPublisher(os.environ["KAFKA_BOOTSTRAP_SERVERS"], timeout=5.0)
    relay = OutboxRelay(
        service=os.environ.get("STEM_TEST_RELAY_SERVICE", "stemkit-test"),
        session_factory=make_session_factory(engine),
        publisher=publisher,
        idle_interval=0.05,
        max_backoff=2.0,
    )
    try:
        await relay.run(stop)
    finally:
        await publisher.stop()
        await engine.dispose()


if __name__ == "__main__":
    configure_logging(os.environ.get("STEM_TEST_RELAY_SERVICE", "stemkit-test"))
    port = os.environ.get("STEM_TEST_METRICS_PORT")
    serve_metrics(int(port) if port else None, host="127.0.0.1")
    run_until_signal(main)
