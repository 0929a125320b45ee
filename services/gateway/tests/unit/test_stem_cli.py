"""The `stem` command is found where the README says (`gateway.stem_cli`), both as the
installed script and as `python -m gateway.stem_cli`."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_script_entry_names_a_function_that_exists() -> None:
    target = tomllib.loads(PYPROJECT.read_text())["project"]["scripts"]["stem"]
    module, _, function = target.partition(":")
    assert module.startswith("gateway.stem_cli.")
    assert callable(getattr(importlib.import_module(module), function))


def test_python_dash_m_runs_the_same_command() -> None:
    # A year before 2019 is refused before any service is read: exit 2, said on stderr.
    done = subprocess.run(
        [sys.executable, "-m", "gateway.stem_cli", "report", "--year", "2018"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "2018" in done.stderr


def test_help_answers_without_loading_the_report_model() -> None:
    # `stem report --help` loads neither strawberry (the report's model is its GraphQL type),
    # nor the HTTP clients, nor openpyxl: it answered in 1.2-1.8 s before (issue 20).
    probe = (
        "import sys, contextlib, io\n"
        "from gateway.stem_cli.main import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['report', '--help'])\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'strawberry', 'httpx', 'openpyxl'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
