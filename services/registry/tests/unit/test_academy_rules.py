"""The rules of an academy: organizer ids, names, NIS codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.domain.academy import (
    Academy,
    InvalidAcademy,
    normalise_name,
    normalise_organizer_ids,
)
from stemkit.domain.uit import normalise_organizer_id

ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        ORGANIZER,
        ORGANIZER.upper(),
        f"  {ORGANIZER}\n",
        f"https://io.uitdatabank.be/organizers/{ORGANIZER}",
        f"http://udb-silex.dev/organizers/{ORGANIZER.upper()}/",
        f"https://io-test.uitdatabank.be/organizer/{ORGANIZER}",
    ],
)
def test_an_organizer_id_is_kept_as_the_bare_id_in_lower_case(raw: str) -> None:
    assert normalise_organizer_id(raw) == ORGANIZER


def test_a_legacy_8_4_4_16_organizer_id_keeps_its_shape_in_lower_case() -> None:
    assert normalise_organizer_id("289C4681-EE51-8AD8-A7851C6434767415") == (
        "289c4681-ee51-8ad8-a7851c6434767415"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not-an-id",
        "5e0b3f9c59470a0b8f2a1a5a37f3b83",
        f"https://io.uitdatabank.be/events/{ORGANIZER}",
        f"{ORGANIZER}x",
    ],
)
def test_anything_else_is_not_an_organizer_id(raw: str) -> None:
    with pytest.raises(ValueError, match="not a UiTdatabank organizer id"):
        normalise_organizer_id(raw)


def test_the_same_organizer_in_two_spellings_is_one_id() -> None:
    other = "0a1b2c3d-0000-4000-8000-000000000001"
    assert normalise_organizer_ids([ORGANIZER.upper(), other, ORGANIZER]) == (other, ORGANIZER)


def test_a_name_is_trimmed_and_its_whitespace_collapsed() -> None:
    assert normalise_name("  STEM  Lab\tGent ", demo=False) == "STEM Lab Gent"


@pytest.mark.parametrize("raw", ["", "   ", "x" * 201])
def test_a_name_must_be_present_and_short_enough(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_name(raw, demo=False)


def test_demo_data_is_labelled_and_real_data_cannot_pass_for_demo() -> None:
    assert normalise_name("[DEMO] Robotlab", demo=True) == "[DEMO] Robotlab"
    with pytest.raises(ValueError, match="demo academy"):
        normalise_name("Robotlab", demo=True)
    with pytest.raises(ValueError, match="only demo academies"):
        normalise_name("[demo] Robotlab", demo=False)


def test_registering_normalises_the_input_and_gives_a_new_id() -> None:
    academy = Academy.register(
        name=" Codeclub  Leuven ",
        uit_organizer_ids=[ORGANIZER.upper()],
        home_nis_code="24062",
        created_at=NOW,
    )
    assert academy.name == "Codeclub Leuven"
    assert academy.uit_organizer_ids == (ORGANIZER,)
    assert academy.home_nis_code == "24062"
    assert not academy.demo
    assert len(academy.id) == 36


def test_registering_names_every_bad_field_at_once() -> None:
    with pytest.raises(InvalidAcademy) as caught:
        Academy.register(name=" ", uit_organizer_ids=["nope"], home_nis_code="2406", created_at=NOW)
    assert set(caught.value.errors) == {"name", "uit_organizer_ids", "home_nis_code"}
