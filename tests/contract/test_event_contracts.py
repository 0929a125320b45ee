"""The code's events match `contracts/events/`, and no published version breaks its readers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from stemkit.contracts import CATALOG
from stemkit.eventing import CloudEvent
from stemkit.eventing.schemas import all_schemas, breaking_changes

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "contracts" / "events"
TYPES = [t.name for t in CATALOG.all()]


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _first_committed(path: Path) -> str | None:
    """The file as it was when it was first committed: the version readers first saw."""
    rel = path.relative_to(ROOT).as_posix()
    try:
        log = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", rel],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if not log:
            return None
        return subprocess.run(
            ["git", "show", f"{log[-1]}:{rel}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


@pytest.mark.parametrize("type_name", TYPES)
def test_committed_schema_matches_the_code(type_name: str) -> None:
    path = EVENTS / f"{type_name}.schema.json"
    assert path.exists(), f"{path.name} is missing: run `uv run python tools/contracts.py write`"
    assert _load(path) == all_schemas(CATALOG)[type_name], (
        f"{path.name} differs from the payload model: run tools/contracts.py write, review the diff"
    )


def test_every_schema_file_belongs_to_a_catalogued_type() -> None:
    names = {p.name.removesuffix(".schema.json") for p in EVENTS.glob("*.schema.json")}
    assert names == set(TYPES)


@pytest.mark.parametrize("type_name", TYPES)
def test_golden_example_is_valid_against_schema_and_model(type_name: str) -> None:
    example = _load(EVENTS / "examples" / f"{type_name}.json")
    event = CloudEvent.model_validate(example)
    assert event.type == type_name
    assert event.dataschema == CATALOG.get(type_name).dataschema
    schema = _load(EVENTS / f"{type_name}.schema.json")
    errors = list(Draft202012Validator(schema).iter_errors(event.data))
    assert not errors, [e.message for e in errors]
    payload = CATALOG.parse(event)
    assert str(getattr(payload, CATALOG.get(type_name).subject_field)) == event.subject
    key, value, headers = event.to_kafka()
    assert CloudEvent.from_kafka(key, value, headers) == event


@pytest.mark.parametrize("type_name", TYPES)
def test_published_version_has_no_breaking_change(type_name: str) -> None:
    path = EVENTS / f"{type_name}.schema.json"
    first = _first_committed(path)
    if first is None:
        pytest.skip(f"{path.name} is not committed yet: it has no published version to break")
    problems = breaking_changes(json.loads(first), _load(path))
    assert not problems, f"{type_name} changed incompatibly; make a new major version: {problems}"


@pytest.mark.parametrize("type_name", TYPES)
def test_first_golden_example_still_reads(type_name: str) -> None:
    """Data written by the first producer of a version must stay readable by today's code."""
    first = _first_committed(EVENTS / "examples" / f"{type_name}.json")
    if first is None:
        pytest.skip("example not committed yet")
    CATALOG.parse(CloudEvent.model_validate_json(first))
