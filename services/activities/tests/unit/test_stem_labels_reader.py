"""The reader keeps UiT labels for the STEM-label listing rule; the setting parses them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from activities.config import Settings
from activities.domain import limits
from activities.domain.reader import read_event

Load = Callable[[str], dict[str, Any]]


def test_hidden_and_visible_labels_are_kept_lower_case_once(load_event: Load) -> None:
    document = load_event("original")
    document["labels"] = ["UiTPAS", "STEM-academie", 7, "", "x" * (limits.MAX_LABEL_CHARS + 1)]
    document["hiddenLabels"] = ["stem-academie", "Geheim"]
    assert read_event(document).labels == ("stem-academie", "geheim", "uitpas")


def test_labels_beyond_the_bound_are_left_out_not_quarantined(load_event: Load) -> None:
    document = load_event("original")
    document["labels"] = [f"label-{n}" for n in range(limits.MAX_LABELS + 5)]
    assert len(read_event(document).labels) == limits.MAX_LABELS
    document["labels"] = "not a list"
    assert read_event(document).labels == ()


def test_the_setting_is_a_comma_separated_case_insensitive_list() -> None:
    assert Settings(stem_labels=" STEM-academie , stem-kalender,").stem_labels == [
        "stem-academie",
        "stem-kalender",
    ]
    assert Settings().stem_labels == []  # off by default
    with pytest.raises(ValidationError):
        Settings(stem_labels="x" * (limits.MAX_LABEL_CHARS + 1))
