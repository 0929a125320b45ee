"""Backfill from a folder of JSON documents or a JSON-lines file, through the same path
as the webhook: each document is stored as a delivery, then processed by the worker's
code. Keyed on the content, so running it again changes nothing.

Containment: one document costs only itself. Text that is not UTF-8 is read with the
bad bytes kept (surrogate escapes) rather than stopping the run; a document the database
will not store as it is (not UTF-8, a NUL character) is stored in quarantine with the
reason, as a readable copy; whatever processing one raises is charged to it (retried by
the worker, then quarantined). Only a database outage stops the run.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import delivery_store
from activities.adapters.delivery_store import Delivery, readable
from activities.service_layer.preparing import Fetcher, reason
from activities.service_layer.processing import process
from activities.service_layer.settling import database_answers
from stemkit.eventing.consumer import is_transient

Progress = Callable[[int, int, Counter[str]], None]


def documents(path: Path) -> list[str]:
    """Every document's text: `*.json` under a folder, lines of a `.jsonl`, or one file."""
    if path.is_dir():
        return [_read(p) for p in sorted(path.rglob("*.json"))]
    text = _read(path)
    if path.suffix in (".jsonl", ".ndjson"):
        return [line for line in text.splitlines() if line.strip()]
    return [text]


def _read(path: Path) -> str:
    """The file's text; bytes that are not UTF-8 kept as surrogate escapes (see below)."""
    return path.read_bytes().decode("utf-8", errors="surrogateescape")


def delivery_id(body: str) -> str:
    raw = body.encode("utf-8", errors="surrogateescape")
    return "backfill:" + hashlib.sha256(raw).hexdigest()[:40]


async def _store(sessions: async_sessionmaker[AsyncSession], key: str, body: str) -> bool | None:
    """Record the delivery; None when the database refused it as it is and a readable
    copy went to quarantine instead, with the reason."""
    try:
        async with sessions.begin() as session:
            return await delivery_store.record(session, key, body, "backfill")
    except Exception as exc:
        if is_transient(exc) and not await database_answers(sessions):
            raise
        refused = f"not stored as received: {reason(exc)}"
    async with sessions.begin() as session:
        await delivery_store.record(session, key, readable(body), "backfill", error=refused)
    return None


async def backfill(
    sessions: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    bodies: list[str],
    progress: Progress | None = None,
) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for done, body in enumerate(bodies, start=1):
        key = delivery_id(body)
        new = await _store(sessions, key, body)
        if new is None:
            outcome = "quarantined"
        else:
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
