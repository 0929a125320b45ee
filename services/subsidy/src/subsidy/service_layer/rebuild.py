"""Rebuild every state copy and the reach from the topics (recovery, or after migration 0002).

Reads the registry and activity topics from the beginning (no consumer group), folds them
in memory by the same rules as the consumer (latest `modified` per activity wins, a
withdrawal is a tombstone; latest state per academy and municipality; decisions by id;
role assignments and revocations in order), then replaces the tables in one transaction
(COPY on PostgreSQL). Only the winning version of an activity is parsed in full: the fold
reads each message's type header and its `modified`. Nothing is announced: the rebuilt
reach is the state the events already announced; every year is marked for recalculation.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.contracts.registry import ACADEMY_TOPIC, MUNICIPALITY_TOPIC
from stemkit.storage.db import Database
from subsidy.adapters.topic_reader import read_topics
from subsidy.service_layer import rebuild_write

TOPICS = [MUNICIPALITY_TOPIC, ACADEMY_TOPIC, ACTIVITY_TOPIC]
_NAME = {t.payload.__name__: t.name for t in CATALOG.all()}
WITHDRAWN = _NAME["ActivityWithdrawn"]
SNAPSHOTS = {_NAME["ActivityPublished"], _NAME["ActivityUpdated"]}
MODIFIED = b'"modified":"'


@dataclass
class Fold:
    """The latest state per aggregate, as raw JSON until it is needed."""

    activities: dict[bytes, tuple[datetime, bool, bytes]] = field(default_factory=dict)
    registry: list[tuple[str, bytes]] = field(default_factory=list)  # in topic order
    events: int = 0

    def add(self, records: Sequence[Any]) -> None:
        self.events += len(records)
        for record in records:
            kind = _type_of(record.headers)
            if kind in SNAPSHOTS or kind == WITHDRAWN:
                self._activity(record.key, record.value, kind == WITHDRAWN)
            elif kind is not None and record.topic != ACTIVITY_TOPIC:
                self.registry.append((kind, record.value))

    def _activity(self, key: bytes, value: bytes, withdrawn: bool) -> None:
        modified = _modified(value)
        held = self.activities.get(key)
        if held is None or modified >= held[0]:
            self.activities[key] = (modified, withdrawn, value)


def _type_of(headers: Sequence[tuple[str, bytes]]) -> str | None:
    for name, raw in headers:
        if name == "ce_type":
            return raw.decode()
    return None


def _modified(value: bytes) -> datetime:
    at = value.find(MODIFIED)
    if at >= 0:
        end = value.find(b'"', at + len(MODIFIED))
        return datetime.fromisoformat(value[at + len(MODIFIED) : end].decode())
    return datetime.fromisoformat(json.loads(value)["modified"])


@dataclass(frozen=True)
class RebuildStats:
    events: int
    activities: int
    proofs: int
    read_seconds: float
    write_seconds: float


async def rebuild_from_topics(
    database: Database, bootstrap_servers: str, topics: Sequence[str] = TOPICS
) -> RebuildStats:
    gc.disable()  # the GC rescans the fold's objects: 21-190 % longer with it on (ADR 0025)
    try:
        return await _rebuild(database, bootstrap_servers, topics)
    finally:
        gc.enable()


async def _rebuild(
    database: Database, bootstrap_servers: str, topics: Sequence[str]
) -> RebuildStats:
    started = time.perf_counter()
    fold = Fold()
    async for batch in read_topics(bootstrap_servers, topics):
        fold.add(batch)
    read = time.perf_counter() - started
    snapshots = [
        (value, modified)
        for (modified, withdrawn, value) in fold.activities.values()
        if not withdrawn
    ]
    tombstones = [
        (key.decode(), modified)
        for key, (modified, withdrawn, _) in fold.activities.items()
        if withdrawn
    ]
    async with database.session_factory.begin() as session:
        proofs = await rebuild_write.replace_state(session, fold.registry, snapshots, tombstones)
    return RebuildStats(
        fold.events, len(fold.activities), proofs, read, time.perf_counter() - started - read
    )
