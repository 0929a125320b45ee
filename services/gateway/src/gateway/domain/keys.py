"""Partner API keys: made once, shown once, kept only as a SHA-256 hash.

A key is `stem_<id>_<secret>`: the id (public, for listing and revoking) and 32 random
bytes. Keys have 256 bits of entropy, so a fast hash is enough (no password stretching):
a stolen store does not give the keys back. Who made and who revoked a key is the
authenticated person of the admin's /ops session (`created_by`, `revoked_by`: name and
subject); unknown (None) for the CLI's changes and for keys made before it was recorded.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

PREFIX = "stem_"


@dataclass(frozen=True)
class PartnerKey:
    id: str
    name: str
    sha256: str
    created: datetime
    revoked: datetime | None = None
    safelist_only: bool = False  # a first-party client: only safelisted operations
    created_by: str | None = None  # who made it (None: not recorded, an older key)
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None

    def revoke(self, when: datetime, by: str | None = None) -> PartnerKey:
        return self if self.revoked else replace(self, revoked=when, revoked_by=by)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(
    name: str, when: datetime, *, safelist_only: bool = False, by: str | None = None
) -> tuple[str, PartnerKey]:
    """A fresh key (to show once) and its record (to store)."""
    key_id = secrets.token_hex(4)
    plain = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    record = PartnerKey(
        key_id, name, digest(plain), when, safelist_only=safelist_only, created_by=by
    )
    return plain, record


def find(records: list[PartnerKey], given: str) -> PartnerKey | None:
    """The active record of a presented key; compares every hash (no early exit)."""
    wanted = digest(given)
    found = None
    for record in records:
        if secrets.compare_digest(record.sha256, wanted) and record.active:
            found = record
    return found
