"""What storing a newly read activity over the stored one means."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from activities.domain.model import Activity, change_of

STORED = Activity(activity_id="a", name="Robotkamp", modified=datetime(2025, 3, 1, tzinfo=UTC))


def test_a_new_activity_is_published() -> None:
    assert change_of(None, STORED) == "published"


def test_a_newer_version_is_an_update() -> None:
    assert change_of(STORED, replace(STORED, modified=STORED.modified + timedelta(1))) == "updated"


def test_other_content_with_the_same_modified_is_an_update() -> None:
    # Embedded place data and registry links change without `modified` moving.
    assert change_of(STORED, replace(STORED, academy_id="acad-1")) == "updated"


def test_an_identical_version_changes_nothing() -> None:
    assert change_of(STORED, replace(STORED)) == "unchanged"


def test_an_older_version_never_overwrites_a_newer_one() -> None:
    older = replace(STORED, name="Old name", modified=STORED.modified - timedelta(seconds=1))

    assert change_of(STORED, older) == "stale"


def test_the_same_instant_in_another_zone_is_the_same_modified() -> None:
    brussels = STORED.modified.astimezone(ZoneInfo("Europe/Brussels"))

    assert change_of(STORED, replace(STORED, modified=brussels)) == "unchanged"


def test_a_withdrawal_is_undone_only_by_a_newer_version() -> None:
    # A 410 withdraws the stored version and keeps its `modified`; that version delivered
    # again (a replay, a late poll) must not bring the activity back (found by tests/chaos).
    withdrawn = replace(STORED, workflow_status="DELETED")

    assert change_of(withdrawn, replace(STORED, workflow_status="APPROVED")) == "stale"
    newer = replace(STORED, workflow_status="APPROVED", modified=STORED.modified + timedelta(1))
    assert change_of(withdrawn, newer) == "published"
