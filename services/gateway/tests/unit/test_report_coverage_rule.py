"""The report states which academies its coverage figures count (the dated parameter, with
its status and source) and the activities counted apart for lack of recognition (issue 15)."""

from __future__ import annotations

from gateway.adapters.subsidy import CoverageRead, ProvinceCoverageRead, UnrecognisedRead
from gateway.reporting.reach import reach_of as _reach


def _coverage(counted: str) -> CoverageRead:
    return CoverageRead(
        year=2019,
        reached=1,
        total=2,
        provinces=[
            ProvinceCoverageRead(
                province="Antwerpen",
                reached=1,
                total=2,
                reached_nis_codes=["11002"],
                not_reached_nis_codes=["11005"],
            )
        ],
        academies_counted=counted,
        rule=f"stem/coverage/academies_counted = {counted} (inferred; sources V5, V6)",
        unrecognised=UnrecognisedRead(
            activities=3, academy_ids=["a", "b"], nis_codes=["11002"], only_these=["11002"]
        ),
    )


def test_the_report_states_the_coverage_rule_and_the_reach_counted_apart() -> None:
    network = _reach(_coverage("network"), [], {}, str)
    assert "every academy of the STEM-academie network" in network.counted
    assert "stem/coverage/academies_counted = network (inferred; sources V5, V6)" in network.counted
    assert (network.unrecognised_activities, network.unrecognised_academies) == (3, 2)
    assert [p.nis_code for p in network.only_unrecognised] == ["11002"]
    recognised = _reach(_coverage("recognised"), [], {}, str)
    assert "recognised on the date of each session" in recognised.counted
