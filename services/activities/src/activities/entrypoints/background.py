"""The loops that run beside the registry consumer: the delivery worker and the poller.

Also `python -m activities.entrypoints.worker` runs them alone.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.uit_client import UitClient, http_client
from activities.config import UitdatabankSettings
from activities.service_layer.processing import run_worker


async def run_background(
    settings: UitdatabankSettings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    async with http_client(settings.timeout_seconds) as client:
        uit = UitClient(client, headers=settings.headers())
        await run_worker(sessions, uit, stop)
