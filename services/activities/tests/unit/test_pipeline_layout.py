"""The delivery worker reads as one pipeline (issue 20, ADR 0026): `processing.py` names its
steps, each step is a module of its own, and each is short enough to hold in one's head."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE_LAYER = Path(__file__).resolve().parents[2] / "src" / "activities" / "service_layer"
STEPS = ["preparing", "batch_locks", "settling", "containment", "ingestion", "catalogue"]
MAX_LINES = 200


def test_the_worker_names_each_step_in_order() -> None:
    source = (SERVICE_LAYER / "processing.py").read_text()
    map_text = ast.get_docstring(ast.parse(source)) or ""
    found = [map_text.find(f"`{step}") for step in STEPS[:3]]
    assert -1 not in found and found == sorted(found), "claim -> prepare -> hold -> settle"
    for step in STEPS:
        assert step in map_text, step


def test_each_step_is_a_short_module() -> None:
    for name in ["processing", *STEPS]:
        lines = len((SERVICE_LAYER / f"{name}.py").read_text().splitlines())
        assert lines <= MAX_LINES, f"{name}.py: {lines} lines"
