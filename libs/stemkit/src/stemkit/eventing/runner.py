"""Running the long-lived loops of a service (outbox relay, event consumer) as processes.

`stemkit.eventing.processes.run_relay` and `run_consumer` build on these, so a service's
`entrypoints/relay.py` or `entrypoints/consumer.py` is one call. `run_until_signal(main)`
runs `async def main(stop)` until a signal; `serve_metrics(port)` exposes `/metrics`.

SIGINT/SIGTERM set `stop`, and the loop finishes the message or batch in hand and returns;
a second SIGINT cancels `main` outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import start_http_server

from stemkit.settings import DEFAULT_METRICS_HOST

log = logging.getLogger(__name__)

Main = Callable[[asyncio.Event], Awaitable[None]]
T = TypeVar("T")


def run_until_signal(main: Main) -> None:
    """Run `main(stop)` in a new event loop until it returns.

    SIGINT/SIGTERM set `stop`, and `main` winds down on its own. A second SIGINT (Ctrl-C
    twice) cancels `main` and exits with status 130. Repeated SIGTERMs are only logged:
    supervisors (`uv run`, `timeout`, process-group kills) often deliver one twice, and an
    orchestrator that loses patience sends SIGKILL anyway.
    """
    try:
        asyncio.run(_run(main))
    except asyncio.CancelledError:
        log.warning("cancelled before a clean stop")
        raise SystemExit(130) from None


async def _run(main: Main) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    task = asyncio.current_task()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if not stop.is_set():
            log.info("signal %s: stopping", name)
            stop.set()
        elif signum == signal.SIGINT and task is not None:
            log.warning("second %s: cancelling", name)
            task.cancel()
        else:
            log.info("signal %s again: already stopping", name)

    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        await main(stop)
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
    log.info("stopped cleanly")


def serve_metrics(port: int | None, host: str | None = None) -> None:
    """Expose the default Prometheus registry on http://host:port/metrics (no-op without port).

    Relay and consumer processes have no HTTP app of their own; this gives them /metrics.
    The address is `STEM_METRICS_HOST` (stemkit.settings): loopback by default, so a developer
    machine shares nothing; the pod's own IP in Kubernetes (the manifests set it).
    """
    if port is None:
        return
    host = host or os.environ.get("STEM_METRICS_HOST") or DEFAULT_METRICS_HOST
    start_http_server(port, addr=host)
    log.info("metrics on http://%s:%d/metrics", host, port)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` unless `stop` is set first; True when stopping."""
    if seconds <= 0:
        return stop.is_set()
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


class Stopped(Exception):
    """`stop` was set before the awaited operation finished (it was cancelled)."""


async def cancel_on_stop(awaitable: Awaitable[T], stop: asyncio.Event) -> T:
    """Await `awaitable`, but cancel it and raise `Stopped` as soon as `stop` is set."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # we were cancelled ourselves: take the operation down with us
        task.cancel()
        raise
    finally:
        stopper.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise Stopped
    return task.result()


class Backoff:
    """Exponential backoff with jitter: initial, 2x, 4x... capped at `maximum`.

    Each delay is drawn from [d/2, d] ("equal jitter"), so replicas that failed together
    do not retry in lockstep, and the wait still grows.
    """

    def __init__(self, initial: float, maximum: float, factor: float = 2.0) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError("need 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.failures = 0

    def next_delay(self) -> float:
        """The wait before the next try; each call counts one more failure."""
        exponent = min(self.failures, 64)  # no float overflow after days of failures
        delay = min(self.maximum, self.initial * self.factor**exponent)
        self.failures += 1
        return delay / 2 + random.uniform(0, delay / 2)

    def reset(self) -> None:
        self.failures = 0
