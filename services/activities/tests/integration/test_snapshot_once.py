"""One snapshot per store (issue 20): storing an activity turns it into its published
`ActivitySnapshot` once, and the row and the event carry that one snapshot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from activities.adapters import activity_store, snapshots
from activities.service_layer import catalogue
from stemkit.eventing import CloudEvent

LoadEvent = Callable[[str], dict[str, Any]]
Ingest = Callable[[Any], Awaitable[str]]
Events = Callable[[], Awaitable[list[CloudEvent]]]


async def test_an_activity_is_turned_into_a_snapshot_once_per_store(
    ingest: Ingest,
    load_event: LoadEvent,
    outbox_events: Events,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []
    real = snapshots.to_snapshot

    def counting(activity: Any) -> Any:
        made.append(activity.activity_id)
        return real(activity)

    # Wherever the conversion is called from (raising=False: a module that no longer
    # calls it has no name to patch).
    for module in (snapshots, catalogue, activity_store):
        monkeypatch.setattr(module, "to_snapshot", counting, raising=False)

    document = load_event("original")
    assert await ingest(document | {"modified": "2025-01-01T10:00:00+01:00"}) == "published"
    assert len(made) == 1  # the new row and its ActivityPublished
    changed = document | {"modified": "2025-01-02T10:00:00+01:00", "name": {"nl": "Anders"}}
    assert await ingest(changed) == "updated"
    assert len(made) == 2  # the changed row and its ActivityUpdated

    published, updated = await outbox_events()
    assert updated.data["name"] == "Anders"
    assert published.data["activity_id"] == updated.data["activity_id"] == made[0]
