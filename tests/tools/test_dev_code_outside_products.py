"""Stand-ins and demo data live under tools/, not in the product packages (issue 20): no
service or stemkit source holds them or imports tools, and the tools run from the root.
(subsidy's rules/demo_overrides.yaml stays: the service itself reads it in development.)"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_SOURCES = [ROOT / "libs" / "stemkit" / "src", *sorted(ROOT.glob("services/*/src"))]


def _modules() -> list[Path]:
    return [path for src in PRODUCT_SOURCES for path in sorted(src.rglob("*.py"))]


def test_no_product_package_holds_the_uitdatabank_standin() -> None:
    assert [p for p in _modules() if "uitdatabank_standin" in p.parts] == []


def test_no_product_module_imports_tools() -> None:
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name == "tools" or name.startswith("tools.") for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_no_product_module_holds_the_demo_academies_or_their_seeding() -> None:
    found = [
        str(path.relative_to(ROOT))
        for path in _modules()
        if any(word in path.read_text(encoding="utf-8") for word in ("DEMO_ACADEMIES", "seed-demo"))
    ]
    assert found == []


def test_each_service_wheel_packs_only_its_own_package() -> None:
    """So a wheel (and the image, which installs it) holds no more than `src/<service>`."""
    for pyproject in sorted(ROOT.glob("services/*/pyproject.toml")):
        wheel = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
        assert wheel["targets"]["wheel"]["packages"] == [f"src/{pyproject.parent.name}"]


def test_the_image_copies_nothing_from_tools() -> None:
    lines = (ROOT / "deploy" / "docker" / "Dockerfile").read_text(encoding="utf-8").splitlines()
    sources = [
        source
        for line in lines
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    ]
    assert "libs/stemkit/src" in sources
    assert [s for s in sources if s in (".", "./") or s.startswith(("tools", "./tools"))] == []


def _help(module: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_standin_runs_as_a_tool_from_the_root() -> None:
    shown = _help("tools.uitdatabank_standin")
    assert "serve" in shown
    assert "notify" in shown


def test_the_demo_seeder_runs_as_a_tool_from_the_root() -> None:
    assert "seed" in _help("tools.demo")
