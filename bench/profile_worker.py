"""Profile of the freshness bench's slowest stage: the activities delivery worker
(stored delivery -> activity in the calendar), under cProfile, on the real platform.

The platform starts as in bench/bench_freshness.py; then its activities worker process
is stopped, BENCH_PROFILE_DELIVERIES deliveries (default 300) are sent
through the webhook and stored, and this process drains them with the worker's own code
(`activities.service_layer.processing.drain`) under cProfile. Prints deliveries/s, CPU
ms per delivery, the SQL statements per delivery and the top functions; the .prof file
is kept for `pstats`.
Not part of `make bench` (a profiler distorts timings); run it by hand:

    KAFKA_BOOTSTRAP_SERVERS=... STEM_BENCH_POSTGRES_DSN=... python -m bench.profile_worker
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from activities.adapters.uit_client import UitClient, http_client
from activities.service_layer.processing import drain
from bench.live_platform import (
    RawHttp,
    delivery,
    running_platform,
    wait_for_reference_data,
    warm_up,
    webhook_url,
)
from stemkit.storage.db import open_database

COUNT = int(os.environ.get("BENCH_PROFILE_DELIVERIES", "300"))
OUT = Path(os.environ.get("BENCH_PROFILE_OUT", "var/bench-run/worker.prof"))


async def main() -> int:
    async with running_platform("profile-logs") as platform:
        await wait_for_reference_data(platform)
        await warm_up(platform)
        worker = platform.processes["activities-worker"]
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        http = RawHttp("127.0.0.1", platform.ports["activities"])
        path = httpx.URL(webhook_url(platform)).path
        for n in range(COUNT):
            _, body, headers = delivery(20_000 + n)
            assert await http.send(http.request("POST", path, body, headers)) == 202
        http.close()
        database = open_database(platform.database_urls["activities"])
        statements: Counter[str] = Counter()

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements[" ".join(statement.split())[:90]] += 1

        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        profile = cProfile.Profile()
        try:
            async with http_client(5.0) as client:
                uit = UitClient(client, headers={}, hosts=[])
                done, cpu, started = 0, time.process_time(), time.perf_counter()
                profile.enable()
                while found := await drain(database.session_factory, uit):
                    done += len(found)
                profile.disable()
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            await database.dispose()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(OUT)
    print(
        f"worker drained {done} deliveries in {elapsed:.2f} s: {done / elapsed:.0f}/s, "
        f"{cpu * 1000 / done:.1f} ms CPU each in this process (profiler on); profile {OUT}"
    )
    print(f"SQL statements per delivery: {sum(statements.values()) / done:.1f}")
    for statement, times in statements.most_common(30):
        print(f"  {times / done:5.2f}  {statement}")
    stats = pstats.Stats(str(OUT))
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
