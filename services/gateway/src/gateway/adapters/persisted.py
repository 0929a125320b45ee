"""Persisted queries: the automatic (APQ) cache and the safelist of first-party operations.

APQ (Apollo protocol) saves bandwidth only: a client sends `extensions.persistedQuery
{version: 1, sha256Hash}`; on a miss it resends the query with the hash, which is kept in
a bounded in-memory cache (per instance: the gateway stays stateless, a miss is cheap).
The safelist is security: an Apollo persisted-query manifest
(`{"operations": [{"id": sha256, "name", "type", "body"}]}`); keys marked
`safelist_only` may run nothing else.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class QueryCache:
    """Hash -> query, least recently used out first."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._queries: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        query = self._queries.get(key)
        if query is not None:
            self._queries.move_to_end(key)
        return query

    def put(self, key: str, query: str) -> None:
        self._queries[key] = query
        self._queries.move_to_end(key)
        while len(self._queries) > self.size:
            self._queries.popitem(last=False)


def load_safelist(path: Path | None) -> dict[str, str]:
    """The manifest's operations by hash; every id is checked against its body."""
    if path is None:
        return {}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    operations: dict[str, str] = {}
    for operation in manifest["operations"]:
        body = operation["body"]
        if operation["id"] != sha256(body):
            raise ValueError(f"safelist {path}: id of {operation.get('name')} is not its sha256")
        operations[operation["id"]] = body
    return operations
