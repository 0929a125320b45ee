"""Key store records name who made and who revoked a key (issue 21); files written before
that still load, their keys still work, and who made them is simply not known."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from gateway.adapters.key_store import KeyStore
from gateway.domain.keys import digest, find, new_key

OLD_FILE = {
    "keys": [
        {
            "id": "0a1b2c3d",
            "name": "Technopolis",
            "sha256": digest("stem_0a1b2c3d_old-secret"),
            "created": "2025-03-01T10:00:00+00:00",
            "revoked": None,
            "safelist_only": True,
        },
        {  # older still: before safelist_only
            "id": "4e5f6a7b",
            "name": "Old partner",
            "sha256": digest("stem_4e5f6a7b_older"),
            "created": "2024-01-01T00:00:00+00:00",
            "revoked": "2024-06-01T00:00:00+00:00",
        },
    ]
}


def test_a_key_file_from_before_who_was_recorded_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "gateway-keys.json"
    path.write_text(json.dumps(OLD_FILE), encoding="utf-8")
    store = KeyStore(path)
    first, second = store.all()
    assert (first.created_by, first.revoked_by, first.safelist_only) == (None, None, True)
    assert (second.created_by, second.revoked_by, second.active) == (None, None, False)
    assert find(store.all(), "stem_0a1b2c3d_old-secret") == first

    now = datetime(2026, 12, 2, tzinfo=UTC)
    store.save([first.revoke(now, "Ada <sub-ada>"), second.revoke(now, "someone else")])
    again = KeyStore(path).all()
    assert again[0].revoked == now and again[0].revoked_by == "Ada <sub-ada>"
    assert again[1].revoked_by is None  # revoked before: the first revocation stands


def test_who_made_a_key_is_kept_with_it(tmp_path: Path) -> None:
    plain, record = new_key("Partner", datetime.now(UTC), by="Ada <sub-ada>")
    store = KeyStore(tmp_path / "k.json")
    store.save([record])
    (loaded,) = KeyStore(tmp_path / "k.json").all()
    assert loaded == record and loaded.created_by == "Ada <sub-ada>"
    assert plain not in (tmp_path / "k.json").read_text()
