"""The gateway's packages depend one way (README, "Layout"): each package may import only the
packages listed for it here, read from the source's import statements (no import runs)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "gateway"

_SETTINGS = {"config", "oidc_settings"}
_BASE = _SETTINGS | {"domain", "adapters"}
_GRAPHQL_BASE = _BASE | {"schema"}

# package (or top-level module) -> the gateway packages it may import besides itself
ALLOWED: dict[str, set[str]] = {
    "config": {"oidc_settings"},
    "oidc_settings": set(),
    # domain/feeds.py (and the two feeds) type their input with the adapters' records
    "domain": {"adapters"},
    "adapters": _SETTINGS | {"domain"},
    "reporting": _BASE | {"schema"},
    "schema": _BASE,
    "partner_api": _GRAPHQL_BASE,
    "ops_api": _GRAPHQL_BASE,
    "graphql_api": _GRAPHQL_BASE | {"partner_api", "ops_api", "reporting"},
    "embed": _BASE,
    "ops_web": _GRAPHQL_BASE,
    "academy_web": _GRAPHQL_BASE | {"ops_web"},
    "stem_cli": _BASE | {"reporting"},
}
# the app and the gateway's own commands wire everything together
ALLOWED["entrypoints"] = set(ALLOWED) - {"entrypoints", "stem_cli"}

# Imports a package may make beyond its rule: (module, package). None since the report
# has one model (its GraphQL types are reporting/model.py, issue 20).
EXCEPTIONS: set[tuple[str, str]] = set()


def _package_of(path: Path) -> str:
    first = path.relative_to(SRC).parts[0]
    return first.removesuffix(".py")


def _imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "gateway":  # `from gateway import ops_web`
                names = [f"gateway.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "gateway" and len(parts) > 1:
                found.add(parts[1])
    return found


def _violations() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.parent == SRC and path.name == "__init__.py":
            continue
        package = _package_of(path)
        allowed = ALLOWED.get(package)
        relative = path.relative_to(SRC).as_posix()
        if allowed is None:
            found.append(f"{relative}: package {package!r} has no rule in this test")
            continue
        for imported in sorted(_imported_packages(path) - allowed - {package}):
            if (relative, imported) not in EXCEPTIONS:
                found.append(f"{relative} imports gateway.{imported}")
    return found


def test_every_package_imports_only_the_packages_below_it() -> None:
    assert _violations() == []


def test_the_partner_api_never_reads_the_ops_side() -> None:
    assert not ALLOWED["partner_api"] & {"ops_api", "ops_web", "academy_web", "graphql_api"}


def test_only_the_app_wires_the_web_pages() -> None:
    for package, allowed in ALLOWED.items():
        if package != "entrypoints":
            assert "academy_web" not in allowed, package
            assert package in {"academy_web"} or "ops_web" not in allowed, package


def test_the_rule_reads_imports_inside_functions_too(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from gateway.ops_web import routes\n")
    assert _imported_packages(module) == {"ops_web"}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_every_ruled_package_exists(package: str) -> None:
    assert (SRC / package).is_dir() or (SRC / f"{package}.py").is_file()
