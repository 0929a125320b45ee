"""Answers of persisted partner queries, kept until an event says they changed (ADR 0016).

An entry is one query's `data` (bytes, as sent), keyed by the query's hash, its operation
name, its variables and the caller's scope. It depends on some Kafka topics (its *tags*,
`gateway.schema.cacheability`). Each tag has an epoch, raised when an event of that topic
arrives (`invalidate`); an entry remembers the epochs read *before* its query ran, so an
event during the run makes the entry dead at once, and a run that began before an event
can never store an answer that looks newer than it is. An entry also dies `max_age`
seconds after its run began, whatever happens (answers that move with the clock, such as
"from now on", and a last line of defence).

Whether the cache may answer at all is the change feed's business (`fresh_enough`): the
caller of `get` asks it first, so a gateway whose consumer is down or behind answers from
the services (fail safe: uncached, never stale).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# (query hash, operation name, canonical variables, caller scope)
Key = tuple[str, str, str, str]


def cache_key(
    query_hash: str, operation: str | None, variables: Mapping[str, Any] | None, scope: str
) -> Key:
    """Variables in one canonical spelling, so `{"a":1,"b":2}` and `{"b":2,"a":1}` meet."""
    canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    return query_hash, operation or "", canonical, scope


def etag_of(data: bytes) -> str:
    """A strong validator of the answer's data (not of its per-caller cost figures)."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


@dataclass(frozen=True)
class Entry:
    data: bytes  # the JSON of the answer's `data`
    etag: str
    cost: int  # what the query costs the caller's budget, as when it ran
    born: float  # clock time its run began
    epochs: tuple[tuple[str, int], ...]  # (tag, epoch) as read before the run


class ResponseCache:
    def __init__(
        self, max_age: float, max_bytes: int, clock: Callable[[], float], tags: Iterable[str]
    ) -> None:
        self.max_age, self.max_bytes, self.clock = max_age, max_bytes, clock
        self._epochs: dict[str, int] = dict.fromkeys(tags, 0)
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._bytes = 0

    def snapshot(self, tags: Iterable[str]) -> tuple[tuple[str, int], ...]:
        """The epochs of `tags` now: read before a query runs, handed to `put` after."""
        return tuple((tag, self._epochs.get(tag, 0)) for tag in sorted(tags))

    def invalidate(self, tags: Iterable[str]) -> None:
        """Events of these topics arrived: every entry depending on one is dead."""
        for tag in tags:
            self._epochs[tag] = self._epochs.get(tag, 0) + 1

    def invalidate_all(self) -> None:
        self.invalidate(list(self._epochs))
        self._entries.clear()
        self._bytes = 0

    def _alive(self, entry: Entry) -> bool:
        if self.clock() - entry.born > self.max_age:
            return False
        return all(self._epochs.get(tag, 0) == epoch for tag, epoch in entry.epochs)

    def get(self, key: Key) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if not self._alive(entry):
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: Key, entry: Entry) -> bool:
        """Keep `entry` unless it is already dead (an event came during its run)."""
        if not self._alive(entry) or len(entry.data) > self.max_bytes:
            return False
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self._bytes += len(entry.data)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return True

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key)
        self._bytes -= len(entry.data)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes
