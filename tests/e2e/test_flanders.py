"""Issue 16 end to end: the synthetic Flanders (tools/flanders) goes in through the real
intake (the registry's REST API, the activities service's signed webhook) with every
process running on real Kafka and PostgreSQL, and `stem report` then prints the published
figures: 162 municipalities reached in 2019, 221 in 2020 (Antwerpen 41, Limburg 24,
Oost-Vlaanderen 56, Vlaams-Brabant 36, West-Vlaanderen 64), 221 in 2021 and in 2022, and
about 12,500 participants in 2020. The load and the subsidy catch-up are timed into
test-artifacts/e2e/flanders-timings.json.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest

from tests.e2e.harness import ARTIFACTS, ROOT, Platform
from tests.e2e.test_report import platform, sections, stem

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(1200)]
__all__ = ["platform"]  # the fixture: every process on fresh databases

PUBLISHED = {  # ../shared/docs/subsidy-rules.md §2 and the parliamentary answer
    2019: 162,
    2020: 221,
    2021: 221,
    2022: 221,
}
PROVINCES_2020 = {
    "Antwerpen": 41,
    "Limburg": 24,
    "Oost-Vlaanderen": 56,
    "Vlaams-Brabant": 36,
    "West-Vlaanderen": 64,
}


def _report(csv_text: str) -> tuple[dict[str, int], int]:
    report = sections(csv_text)
    provinces = {
        r["province"]: int(r["reached"])
        for r in report["reach_by_province"]
        if r["province"] != "Flanders"
    }
    people = sum(int(r["participants"]) for r in report["participants"] if r["participants"])
    return provinces, people


async def test_the_report_of_synthetic_flanders_shows_the_published_figures(
    platform: Platform,
) -> None:
    started = time.monotonic()
    loaded = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "tools.flanders",
            "load",
            "--registry",
            platform.url("registry"),
            "--activities",
            platform.url("activities"),
            "--subsidy",
            platform.url("subsidy"),
            "--wait-reach",
            "600",
        ],
        env=platform.env(),
        cwd=ROOT,
        capture_output=True,
        timeout=900,
        check=False,
    )
    elapsed = time.monotonic() - started
    log = loaded.stderr.decode()
    (ARTIFACTS / "flanders-load.log").write_text(log)
    assert loaded.returncode == 0, log[-3000:]
    platform.assert_running()

    printed: dict[int, dict[str, int]] = {}
    people: dict[int, int] = {}
    for year in PUBLISHED:
        answer = await stem(platform, "--year", str(year), "--format", "csv")
        assert answer.returncode == 0, answer.stderr.decode()[-2000:]
        printed[year], people[year] = _report(answer.stdout.decode())
    (ARTIFACTS / "flanders-timings.json").write_text(
        json.dumps(
            {
                "load_and_catch_up_s": round(elapsed, 1),
                "load_log": log.splitlines()[-7:],
                "report_per_province": printed,
                "report_participants": people,
            },
            indent=2,
        )
    )
    assert {y: sum(p.values()) for y, p in printed.items()} == PUBLISHED
    assert printed[2020] == PROVINCES_2020
    assert abs(people[2020] - 12_500) <= 250, people  # "ongeveer 12.500"
