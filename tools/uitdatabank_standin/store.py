"""The stand-in's documents, by kind and lower-case id, as read from a folder."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from activities.domain import jsonld
from activities.domain.documents import KINDS, Kind
from stemkit.domain.uit import resource_id

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.documents: dict[Kind, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}
        self.gone: dict[str, int] = {}  # id -> 404 or 410
        # Hostile answers, for tests of what the platform does with them (make chaos):
        # id -> a URL the Entry API redirects to (307), or the raw bytes it answers.
        self.redirects: dict[str, str] = {}
        self.raw: dict[str, bytes] = {}

    @classmethod
    def from_folder(cls, folder: Path) -> Store:
        store = cls()
        for path in sorted(folder.rglob("*.json")):
            store.put(json.loads(path.read_text(encoding="utf-8")))
        return store

    def put(self, document: Mapping[str, Any]) -> tuple[Kind, str]:
        """Add or replace a document (the last one with an id wins, as in UiTdatabank)."""
        for kind in KINDS:
            item_id = resource_id(document.get("@id"), kind)
            if item_id is not None:
                self.documents[kind][item_id] = dict(document)
                return kind, item_id
        raise ValueError(f"not an event, place or organizer: {document.get('@id')!r}")

    def get(self, kind: Kind, item_id: str) -> dict[str, Any] | None:
        return self.documents[kind].get(item_id.lower())


def modified(document: Mapping[str, Any]) -> datetime:
    """Search API sorts and filters on `modified`; documents never changed have `created`."""
    return (
        jsonld.moment(document.get("modified")) or jsonld.moment(document.get("created")) or EPOCH
    )
