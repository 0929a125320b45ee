"""The demo academies (tools/demo) are clearly synthetic, in current municipalities, and one
owns the organizer of the end-to-end test's real UiTdatabank document."""

from __future__ import annotations

from registry.adapters import reference_files
from tools.demo.academies import DEMO_ACADEMIES, E2E_ORGANIZER_ID


def test_there_are_three_to_five_demo_academies_all_labelled() -> None:
    assert 3 <= len(DEMO_ACADEMIES) <= 5
    assert all(demo.name.startswith("[DEMO] ") for demo in DEMO_ACADEMIES)
    assert len({demo.academy_id for demo in DEMO_ACADEMIES}) == len(DEMO_ACADEMIES)


def test_the_end_to_end_organizer_belongs_to_a_demo_academy_in_leuven() -> None:
    owners = [demo for demo in DEMO_ACADEMIES if E2E_ORGANIZER_ID in demo.uit_organizer_ids]
    assert len(owners) == 1
    assert owners[0].home_nis_code == "24062"


def test_demo_academies_live_in_current_municipalities() -> None:
    current = {m.nis_code for m in reference_files.municipalities() if m.valid_in(2025)}
    assert {demo.home_nis_code for demo in DEMO_ACADEMIES} <= current
