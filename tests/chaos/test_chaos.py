"""A small but real chaos run, so CI keeps `make chaos` honest: a few hundred UiTdatabank
changes through the webhook and the poller while every platform process is killed with
SIGKILL once, Kafka and PostgreSQL restart once, and one hostile change of every quick
kind of the poison mix (tests/chaos/poison.py) among them; every count must equal the
tally, every hostile change must be refused, quarantined or dead-lettered as
docs/bad-input.md says, and no stage may stall 10 s without a fault to explain it.

It starts its own Kafka and PostgreSQL (it restarts them, so it cannot share the suite's);
3 minutes measured on the shared 2-core machine, 7 at load average 17.
"""

from __future__ import annotations

import pytest

from tests.chaos.faults import PROCESSES
from tests.chaos.run import Options, run
from tests.e2e.harness import ROOT

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.timeout(1200)
async def test_nothing_lost_nothing_doubled_under_kills_and_restarts() -> None:
    options = Options(
        changes=300,
        seed=20261128,
        # Not tmp_path: PostgreSQL runs as its own OS user, which must reach the folder
        # to keep the cluster across the restart.
        folder=ROOT / "var" / "chaos-ci",
        rate=20,
        kills_per_process=1,
        quiesce_within=300,
        artifacts=ROOT / "test-artifacts" / "chaos-ci",
        slow_poison=False,  # a kind quarantined only after minutes of retries: make chaos only
    )
    report = await run(options)

    figures = report.figures
    assert figures["kills"] == dict.fromkeys(sorted(PROCESSES), 1)
    assert set(figures["restarts_seconds"]) == {"kafka", "postgres"}
    kinds = figures["changes_by_kind"]
    for kind in ("create", "update", "delete", "place_change", "out_of_order"):
        assert kinds.get(kind, 0) > 0, f"the small run sent no {kind}"
    assert kinds.get("duplicate_same_delivery", 0) + kinds.get("duplicate_new_delivery", 0) > 0
    assert figures["channels"].get("poller", 0) > 0
    assert figures["hostile"]["kinds"] >= 8
    assert figures["channels"].get("kafka poison record", 0) > 0
    assert report.ok, "counts differ from the tally:\n" + report.diff
