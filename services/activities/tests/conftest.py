"""Fixtures of the activities tests: real UiTdatabank documents, copied under fixtures/."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

UITDATABANK = Path(__file__).parent / "fixtures" / "uitdatabank"

LoadEvent = Callable[[str], dict[str, Any]]


@pytest.fixture
def load_event() -> LoadEvent:
    """A fresh copy of a real event document, by the part of its name after `__`."""

    def load(name: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(
            (UITDATABANK / f"udb3-search-service__{name}.json").read_text(encoding="utf-8")
        )
        return copy.deepcopy(document)

    return load
