"""The worker process: `python -m activities.entrypoints.worker` (ADR 0024).

Stored deliveries (webhook, poller, backfill) -> activities, read from this service's own
database; no Kafka (the relay publishes what the worker stages in the outbox). Beside the
delivery worker: the purge of processed deliveries past `ACTIVITIES_DELIVERY_RETENTION_DAYS`
(0: kept for ever) and, when `ACTIVITIES_UITDATABANK_POLL_INTERVAL_SECONDS` > 0, the Search
API poller. Replicas are safe: workers share the due deliveries by claim, and only the
holder of the poller's lease polls (ADR 0018). /metrics on ACTIVITIES_WORKER_METRICS_PORT.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.uit_client import UitClient, http_client
from activities.bootstrap import open_database
from activities.config import SERVICE, Settings, UitdatabankSettings
from activities.service_layer.poller import run_poller
from activities.service_layer.processing import run_worker
from activities.service_layer.retention import run_purger
from stemkit.eventing.runner import run_until_signal, serve_metrics
from stemkit.logging import configure_logging


async def run_loops(
    settings: UitdatabankSettings,
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    retention: timedelta | None = None,
    purge_interval: float = 3600,
) -> None:
    """The delivery worker, the purge (unless `retention` is None) and the poller (when
    configured), until `stop` is set."""
    async with http_client(settings.timeout_seconds) as client:
        hosts = [*settings.fetch_hosts, httpx.URL(settings.search_url).host]
        uit = UitClient(client, hosts=hosts, **settings.client_options())
        loops = [run_worker(sessions, uit, stop)]
        if retention is not None:
            loops.append(run_purger(sessions, stop, retention=retention, interval=purge_interval))
        if settings.poll_interval_seconds > 0:
            loops.append(
                run_poller(
                    sessions,
                    uit,
                    settings.search_url,
                    stop,
                    interval=settings.poll_interval_seconds,
                    overlap=timedelta(seconds=settings.poll_overlap_seconds),
                    page_size=settings.poll_page_size,
                )
            )
        await asyncio.gather(*loops)


def main() -> None:
    settings = Settings()
    configure_logging(f"{SERVICE}-worker", settings.log_level)
    serve_metrics(settings.worker_metrics_port)

    async def work(stop: asyncio.Event) -> None:
        database = open_database(settings)
        try:
            await run_loops(
                UitdatabankSettings(),
                database.session_factory,
                stop,
                retention=settings.delivery_retention(),
                purge_interval=settings.delivery_purge_interval_seconds,
            )
        finally:
            await database.dispose()

    run_until_signal(work)


if __name__ == "__main__":
    main()
