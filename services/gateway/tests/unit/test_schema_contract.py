"""The GraphQL contract: contracts/graphql/schema.graphql is the exported schema, and no step
in its history removed or changed anything that was not deprecated first."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import parse, validate

from gateway.adapters.persisted import load_safelist
from gateway.entrypoints.cli import sdl
from gateway.graphql_api.contract import unannounced_breaking_changes
from gateway.graphql_api.query import schema

ROOT = Path(__file__).resolve().parents[4]
CONTRACT = "contracts/graphql/schema.graphql"


def test_the_committed_contract_is_the_exported_schema() -> None:
    committed = (ROOT / CONTRACT).read_text(encoding="utf-8")
    assert committed == sdl(), (
        "the schema changed: run `uv run python -m gateway.entrypoints.cli export-schema "
        f"--output {CONTRACT}` and review the diff"
    )


def _history() -> list[str]:
    """Every committed version of the contract, oldest first."""
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        return []
    run = {"cwd": ROOT, "capture_output": True, "text": True, "check": True}
    commits = subprocess.run([git, "log", "--format=%H", "--", CONTRACT], **run).stdout.split()  # type: ignore[call-overload]
    versions = []
    for commit in reversed(commits):
        shown = subprocess.run(
            [git, "show", f"{commit}:{CONTRACT}"], cwd=ROOT, capture_output=True, text=True
        )
        if shown.returncode == 0:  # the commit that deleted it, if any, has none
            versions.append(shown.stdout)
    return versions


def test_every_step_deprecated_before_it_removed() -> None:
    versions = [*_history(), sdl()]
    for old, new in itertools.pairwise(versions):
        assert unannounced_breaking_changes(old, new) == []


OLD = """
type Query { a: Int @deprecated(reason: "use c") b: Int c(x: Int, y: Int @deprecated): Int d: Int }
enum Status { ON OFF @deprecated(reason: "gone") }
type T { s: Status }
"""


@pytest.mark.parametrize(
    ("new", "breaking"),
    [
        ("type Query { b: Int c(x: Int): Int d: Int } enum Status { ON } type T { s: Status }", []),
        (
            "type Query { c(x: Int): Int d: Int } enum Status { ON OFF } type T { s: Status }",
            ["Field Query.b was removed."],
        ),
        (
            "type Query { b: Int c(y: Int): Int d: String }"
            " enum Status { ON OFF } type T { s: Status }",
            ["Argument Query.c(x:) was removed.", "Field Query.d changed type from Int to String."],
        ),
    ],
    ids=["deprecated-removals-pass", "undeprecated-field-removed", "arg-removed-type-changed"],
)
def test_breaking_changes_need_a_deprecation_first(new: str, breaking: list[str]) -> None:
    assert unannounced_breaking_changes(OLD, new) == breaking


def test_the_safelisted_operations_are_valid_against_the_schema() -> None:
    """The first-party operations (GATEWAY_SAFELIST_FILE) break in CI, not in production."""
    operations = load_safelist(ROOT / "contracts/graphql/persisted-queries.json")
    assert operations
    for body in operations.values():
        assert validate(schema._schema, parse(body)) == []
