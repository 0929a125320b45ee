"""The loops that run beside the registry consumer: the delivery worker, the purge of
processed deliveries (unless the retention is 0: kept for ever) and, when
`ACTIVITIES_UITDATABANK_POLL_INTERVAL_SECONDS` > 0, the Search API poller."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.uit_client import UitClient, http_client
from activities.config import UitdatabankSettings
from activities.service_layer.poller import run_poller
from activities.service_layer.processing import run_worker
from activities.service_layer.retention import run_purger


async def run_background(
    settings: UitdatabankSettings,
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    retention: timedelta | None = None,
    purge_interval: float = 3600,
) -> None:
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
