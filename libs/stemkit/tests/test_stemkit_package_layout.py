"""stemkit's packages depend one way (libs/stemkit/README.md, "Packages"): each package (or
top-level module) may import only the stemkit packages listed for it here, read from the
source's import statements, inside functions too (no import runs)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "stemkit"
README = Path(__file__).resolve().parents[1] / "README.md"

# package (or top-level module) -> the stemkit packages it may import besides itself
ALLOWED: dict[str, set[str]] = {
    # pure rules and plain logging: nothing of ours
    "domain": set(),
    "logging": set(),
    # who may call: tokens, identities, scopes; no database, no events, no web helpers
    "access": set(),
    # engines, the outbox and inbox tables, migrations: no web, no credentials, no settings
    "storage": set(),
    "settings": {"access"},
    "database_settings": {"access", "settings"},
    # the event machinery: never the web helpers, the ops routes or the contracts it carries
    "eventing": {"storage", "settings", "database_settings", "logging"},
    # the payload models register themselves on the event catalog (eventing.catalog only)
    "contracts": {"eventing", "domain"},
    "http": {"eventing", "storage"},
    "ops": {"access", "contracts", "eventing", "storage"},
}

# Modules of another package a package may name, when not the whole package.
ONLY: dict[tuple[str, str], set[str]] = {
    ("contracts", "eventing"): {"stemkit.eventing.catalog"},
    ("http", "eventing"): {"stemkit.eventing.kafka_security"},
}


def _imported_modules(path: Path) -> set[str]:
    """The stemkit modules `path` imports (`stemkit.storage.db`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "stemkit":  # `from stemkit import settings`
                found |= {f"stemkit.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return {name for name in found if name.split(".")[0] == "stemkit" and "." in name}


def violations(src: Path = SRC) -> list[str]:
    found = []
    for path in sorted(src.rglob("*.py")):
        if path.parent == src and path.name == "__init__.py":
            continue
        package = path.relative_to(src).parts[0].removesuffix(".py")
        relative = path.relative_to(src).as_posix()
        allowed = ALLOWED.get(package)
        if allowed is None:
            found.append(f"{relative}: package {package!r} has no rule in this test")
            continue
        for module in sorted(_imported_modules(path)):
            other = module.split(".")[1]
            if other == package:
                continue
            only = ONLY.get((package, other))
            if other not in allowed or (only is not None and module not in only):
                found.append(f"{relative} imports {module}")
    return found


def test_every_package_imports_only_what_its_rule_allows() -> None:
    assert violations() == []


def test_the_rules_have_no_cycle() -> None:
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " -> ".join((*path, package))
        if package not in done:
            for other in ALLOWED[package]:
                visit(other, (*path, package))
            done.add(package)

    for package in ALLOWED:
        visit(package, ())


def test_a_forbidden_import_is_named(tmp_path: Path) -> None:
    """The rule fails when broken: storage importing the web helpers, inside a function,
    contracts importing more of eventing than the catalog, a package without a rule."""
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "db.py").write_text(
        "def f():\n    from stemkit.http import health\n    import stemkit.storage.migrations\n"
    )
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "a.py").write_text(
        "from stemkit.eventing.catalog import EventType\nfrom stemkit.eventing import outbox\n"
    )
    (tmp_path / "extras.py").write_text('"""No rule."""\n')
    assert violations(tmp_path) == [
        "contracts/a.py imports stemkit.eventing",
        "extras.py: package 'extras' has no rule in this test",
        "storage/db.py imports stemkit.http",
    ]


def readme_rules(text: str) -> dict[str, set[str]]:
    """The README's "Packages" table: package -> the packages its "may import" cell names
    (`eventing/kafka_security.py` names eventing)."""
    section = text.split("## Packages", 1)[1].split("\n## ", 1)[0]
    rules = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        named = {re.split(r"[/.]", name)[0] for name in re.findall(r"`([^`]+)`", cells[2])}
        for package in re.findall(r"`([^`]+)`", cells[0]):
            rules[re.split(r"[/.]", package)[0]] = named
    return rules


def test_the_readme_states_the_same_rule() -> None:
    assert readme_rules(README.read_text(encoding="utf-8")) == ALLOWED


def test_the_readme_table_is_read() -> None:
    text = "## Packages\n\n| package | holds | may import |\n|---|---|---|\n"
    text += "| `http/` | routes | `storage/`, `eventing/kafka_security.py` |\n"
    text += "| `logging.py` | logs | nothing of ours |\n\n## Next\n| `x/` | a | `y/` |\n"
    assert readme_rules(text) == {"http": {"storage", "eventing"}, "logging": set()}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_every_ruled_package_exists(package: str) -> None:
    assert (SRC / package).is_dir() or (SRC / f"{package}.py").is_file()
