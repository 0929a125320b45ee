"""The delivery worker is a process of its own (`python -m activities.entrypoints.worker`,
ADR 0024): started alone, with no Kafka and no consumer, it processes a stored delivery and
serves its metrics on ACTIVITIES_WORKER_METRICS_PORT; the consumer process no longer does."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.config import Settings

Post = Callable[..., Awaitable[httpx.Response]]
Load = Callable[[str], dict[str, Any]]
ROOT = Path(__file__).resolve().parents[4]
# Start-up and one delivery take ~2 s alone; generous for a loaded shared machine (a run at
# load average 15 missed a 30 s bound once).
WITHIN = 90.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


Process = subprocess.Popen[bytes]


@contextmanager
def _process(role: str, settings: Settings, env: dict[str, str]) -> Iterator[Process]:
    """`python -m activities.entrypoints.<role>` on the test's database, stopped (SIGTERM)
    at the end; its output is shown when the test fails."""
    process = subprocess.Popen(
        [sys.executable, "-m", f"activities.entrypoints.{role}"],
        env={
            **os.environ,
            "STEM_ENV": "test",
            "ACTIVITIES_DATABASE_URL": str(settings.database_url),
            **env,
        },
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        sys.stdout.write(output.decode(errors="replace"))  # pytest shows it on a failure


async def _metrics(port: int, process: Process, within: float) -> str:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            assert process.poll() is None, "the process exited"
            try:
                return (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.1)


async def _count(sessions: async_sessionmaker[AsyncSession], status: str) -> int:
    async with sessions() as session:
        query = text("SELECT count(*) FROM webhook_deliveries WHERE status = :status")
        return int(await session.scalar(query, {"status": status}) or 0)


async def _waiting(sessions: async_sessionmaker[AsyncSession]) -> int:
    return await _count(sessions, "received")


async def test_the_worker_process_alone_processes_a_stored_delivery(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    post_document: Post,
    load_event: Load,
) -> None:
    await post_document(json.dumps(load_event("original")), process=False)
    assert await _waiting(sessions) == 1
    port = _free_port()
    # No Kafka: the worker reads and writes its database only (the relay publishes).
    env = {"ACTIVITIES_WORKER_METRICS_PORT": str(port), "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"}
    with _process("worker", settings, env) as worker:
        await _metrics(port, worker, within=WITHIN)
        deadline = time.monotonic() + WITHIN
        while await _waiting(sessions):
            assert time.monotonic() < deadline, "the worker did not process the delivery"
            await asyncio.sleep(0.1)
        assert await _count(sessions, "processed") == 1
        text = await _metrics(port, worker, within=30)
        assert 'stem_activities_deliveries_processed_total{outcome="' in text
        os.killpg(worker.pid, signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, "SIGTERM: the worker winds down and exits 0"


@pytest.mark.postgres
async def test_the_consumer_process_runs_no_delivery_worker(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    post_document: Post,
    load_event: Load,
) -> None:
    if not str(settings.database_url).startswith("postgresql"):
        pytest.skip("the consumer process is tried once, on PostgreSQL")
    await post_document(json.dumps(load_event("original")), process=False)
    port = _free_port()
    env = {"ACTIVITIES_CONSUMER_METRICS_PORT": str(port)}
    with _process("consumer", settings, env) as consumer:
        await _metrics(port, consumer, within=WITHIN)
        # The worker would have processed it within a second (NOTIFY, or its first drain).
        await asyncio.sleep(3)
        assert consumer.poll() is None
        assert await _waiting(sessions) == 1
