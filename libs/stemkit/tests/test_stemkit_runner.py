"""The runner helpers, and a relay process whose broker is unreachable (no Kafka needed)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import (
    add_things,
    effect_rows,
    eventually,
    produce,
    thing_catalog,
    thing_event,
    unique_topic,
)
from stemkit.eventing.runner import Backoff, Stopped, cancel_on_stop, sleep_or_stop

RELAY_SCRIPT = Path(__file__).with_name("relay_process.py")
CONSUMER_SCRIPT = Path(__file__).with_name("consumer_process.py")
REPO = Path(__file__).resolve().parents[3]
MakeTopics = Callable[..., Awaitable[list[str]]]


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(0.1, 1.0)
    delays = [backoff.next_delay() for _ in range(8)]
    nominal = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]
    assert all(d / 2 <= got <= d for got, d in zip(delays, nominal, strict=True)), delays
    backoff.reset()
    assert backoff.next_delay() <= 0.1
    for _ in range(5000):  # days of failures: no overflow, still capped
        assert backoff.next_delay() <= 1.0


async def test_sleep_or_stop_returns_early_when_stopped() -> None:
    stop = asyncio.Event()
    assert await sleep_or_stop(stop, 0.01) is False
    asyncio.get_running_loop().call_later(0.05, stop.set)
    started = time.monotonic()
    assert await sleep_or_stop(stop, 30) is True
    assert time.monotonic() - started < 5


async def test_cancel_on_stop_cancels_the_operation() -> None:
    stop = asyncio.Event()
    assert await cancel_on_stop(asyncio.sleep(0, result=42), stop) == 42
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    asyncio.get_running_loop().call_later(0.05, stop.set)
    with pytest.raises(Stopped):
        await cancel_on_stop(forever(), stop)
    assert cancelled.is_set()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        return str(response.read().decode())


def _sample(text: str, name: str, service: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and f'service="{service}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return None


async def test_relay_process_survives_a_dead_broker_serves_metrics_and_stops_on_sigterm(
    tmp_path: Path, sqlite_sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Broker unreachable from the start: the relay retries (never crashes), /metrics shows
    the backlog and the failures, and SIGTERM ends it cleanly."""
    await add_things(sqlite_sessions, thing_catalog(unique_topic()), [("k", 1), ("k", 2)])
    port = _free_port()
    env = {
        **os.environ,
        "STEM_TEST_RELAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'stemkit.storage.db'}",
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{_free_port()}",  # nobody listens there
        "STEM_TEST_RELAY_SERVICE": "runner-test",
        "STEM_TEST_METRICS_PORT": str(port),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(RELAY_SCRIPT), env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        scraped: list[str] = []

        async def failures_reported() -> bool:
            try:
                scraped.append(await asyncio.to_thread(_scrape, port))
            except OSError:
                return False
            failures = _sample(scraped[-1], "stem_outbox_publish_failures_total", "runner-test")
            return failures is not None and failures >= 2

        await eventually(failures_reported, 30)
        assert _sample(scraped[-1], "stem_outbox_backlog", "runner-test") == 2
        assert 'error="KafkaConnectionError"' in scraped[-1]
        assert proc.returncode is None  # still running, still retrying

        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert "stopped cleanly" in log
    assert '"service": "runner-test"' in log  # JSON log lines


@pytest.mark.kafka
async def test_a_consumer_started_by_run_consumer_handles_events_beside_its_loops_and_stops(
    tmp_path: Path,
    sqlite_sessions: async_sessionmaker[AsyncSession],
    kafka_bootstrap_servers: str,
    make_topics: MakeTopics,
) -> None:
    """`run_consumer`, the one way a service starts its consumer: the consumer it is given
    applies the topic's events, the loops beside it run on the same database, and SIGTERM
    stops both cleanly."""
    [topic] = await make_topics(1, partitions=1)
    catalog = thing_catalog(topic)
    events = [thing_event(catalog, "k", n) for n in (1, 2)]
    await produce(kafka_bootstrap_servers, topic, [e.to_kafka() for e in events])
    marker = tmp_path / "beside"
    env = {
        **os.environ,
        "STEM_TEST_CONSUMER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'stemkit.storage.db'}",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
        "STEM_TEST_TOPIC": topic,
        "STEM_TEST_GROUP": f"runner-{uuid.uuid4().hex[:8]}",
        "STEM_TEST_MARK": str(marker),
        "PYTHONPATH": str(REPO),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(CONSUMER_SCRIPT), env=env, stderr=asyncio.subprocess.PIPE, cwd=REPO
    )
    try:

        async def both_handled() -> bool:
            return len(await effect_rows(sqlite_sessions)) == 2

        await eventually(both_handled, 60)
        assert marker.read_text() == "running"
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, stderr.decode()
    assert [row[0] for row in await effect_rows(sqlite_sessions)] == [e.id for e in events]
    assert marker.read_text() == "stopped"
    assert "stopped cleanly" in stderr.decode()
    assert '"service": "runner-test-consumer"' in stderr.decode()
