"""The partner key store: one JSON file of hashes under STEM_DATA_DIR.

The gateway is otherwise stateless; this small file is written by the ops command
(`python -m gateway.entrypoints.cli keys ...`) and by an admin's /ops/keys page, and read by
the gateway, which reloads it when its modification time changes (a revoked key stops
working without a restart).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.domain.keys import PartnerKey


def _dump(record: PartnerKey) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "sha256": record.sha256,
        "created": record.created.isoformat(),
        "revoked": record.revoked.isoformat() if record.revoked else None,
        "safelist_only": record.safelist_only,
        "created_by": record.created_by,
        "revoked_by": record.revoked_by,
    }


def _load(raw: dict[str, Any]) -> PartnerKey:
    revoked = raw.get("revoked")
    return PartnerKey(
        id=raw["id"],
        name=raw["name"],
        sha256=raw["sha256"],
        created=datetime.fromisoformat(raw["created"]),
        revoked=datetime.fromisoformat(revoked) if revoked else None,
        safelist_only=bool(raw.get("safelist_only", False)),
        # Absent from files written before who was recorded (issue 21): not known.
        created_by=raw.get("created_by"),
        revoked_by=raw.get("revoked_by"),
    )


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._cached: tuple[tuple[int, int], list[PartnerKey]] | None = None

    def all(self) -> list[PartnerKey]:
        """Every record, read again only when the file changed."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        if self._cached is None or self._cached[0] != (stat.st_mtime_ns, stat.st_size):
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self._cached = ((stat.st_mtime_ns, stat.st_size), [_load(item) for item in raw["keys"]])
        return list(self._cached[1])

    def save(self, records: list[PartnerKey]) -> None:
        """Atomically (write aside, rename), readable by the owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        aside = self.path.with_suffix(".tmp")
        body = json.dumps({"keys": [_dump(r) for r in records]}, indent=2)
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(body + "\n")
        os.replace(aside, self.path)
        self._cached = None
