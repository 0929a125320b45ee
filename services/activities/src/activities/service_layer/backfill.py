"""Backfill from a folder of JSON documents or a JSON-lines file, through the same path
as the webhook: each document is stored as a delivery, then processed by the worker's
code. Keyed on the content, so running it again changes nothing."""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import deliveries
from activities.adapters.deliveries import Delivery
from activities.service_layer.processing import Fetcher, process

Progress = Callable[[int, int, Counter[str]], None]


def documents(path: Path) -> list[str]:
    """Every document's text: `*.json` under a folder, lines of a `.jsonl`, or one file."""
    if path.is_dir():
        return [p.read_text(encoding="utf-8") for p in sorted(path.rglob("*.json"))]
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".jsonl", ".ndjson"):
        return [line for line in text.splitlines() if line.strip()]
    return [text]


def delivery_id(body: str) -> str:
    return "backfill:" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:40]


async def backfill(
    sessions: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    bodies: list[str],
    progress: Progress | None = None,
) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for done, body in enumerate(bodies, start=1):
        key = delivery_id(body)
        async with sessions.begin() as session:
            new = await deliveries.record(session, key, body, "backfill")
        delivery = Delivery(webhook_id=key, body=body, attempts=0, status="received")
        outcome = await process(sessions, fetcher, delivery)
        if outcome == "skipped":  # the running worker (woken by the record) was first
            outcome = "taken by the running worker" if new else "unchanged (seen before)"
        outcomes[outcome] += 1
        if progress is not None:
            progress(done, len(bodies), outcomes)
    return outcomes


def progress_bar(stream: TextIO = sys.stderr, width: int = 30) -> Progress:
    def show(done: int, total: int, outcomes: Counter[str]) -> None:
        filled = width * done // max(total, 1)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {counts}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
