"""The CLI's bulk commands: importing academies from CSV (with a progress line on stderr and
a report per row on stdout) and writing the OpenAPI document to `contracts/`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from registry import bootstrap
from registry.config import Settings
from registry.service_layer.importing import ImportRefused, ImportResult, import_academies

OPENAPI_FILE = Path(__file__).resolve().parents[5] / "contracts" / "openapi" / "registry.json"


def openapi_document() -> str:
    """The app's OpenAPI document, rendered stably (what `contracts/openapi/` holds); it does
    not depend on the settings, and building the app connects to nothing."""
    from registry.entrypoints.api import create_app  # the app only when it is needed

    app = create_app(Settings(environment="test"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "-" * (width - filled)
    end = "\n" if done == total else ""
    sys.stderr.write(f"\rimporting academies [{bar}] {done}/{total}{end}")
    sys.stderr.flush()


def report(result: ImportResult, *, committed: bool) -> str:
    lines = [f"row {e.row}, {e.field}: {e.message}" for e in result.errors]
    if committed:
        lines.append(
            f"imported {len(result.imported)} of {result.rows} rows"
            + (f"; skipped {result.bad_rows} bad rows" if result.errors else "")
        )
    else:
        lines.append(f"{result.bad_rows} of {result.rows} rows are bad: nothing imported")
    return "\n".join(lines)


async def import_file(settings: Settings, text: str, *, skip_bad_rows: bool) -> int:
    """0 when the file was imported (bad rows skipped if asked), 1 when nothing was."""
    database = bootstrap.open_database(settings)
    try:
        async with database.session_factory.begin() as session:
            result = await import_academies(
                session, text, skip_bad_rows=skip_bad_rows, progress=_progress
            )
    except ImportRefused as refused:
        sys.stdout.write(report(refused.result, committed=False) + "\n")
        return 1
    finally:
        await database.dispose()
    sys.stdout.write(report(result, committed=True) + "\n")
    return 0
