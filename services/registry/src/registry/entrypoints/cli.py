"""`python -m registry.entrypoints.cli migrate | load-reference | import-academies FILE.csv
[--skip-bad-rows] | export-openapi`. (The [DEMO] academies: `python -m tools.demo seed`.)"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from registry import bootstrap
from registry.adapters import reference_files
from registry.config import SERVICE, Settings
from registry.entrypoints.bulk import OPENAPI_FILE, import_file, openapi_document
from registry.service_layer.importing import COLUMNS
from registry.service_layer.reference import load_reference
from stemkit.logging import configure_logging

log = logging.getLogger("registry.cli")


def migrate(settings: Settings) -> None:
    bootstrap.migrate(settings)
    log.info("database migrated to the newest revision")


async def load_reference_data(settings: Settings, *, announce_all: bool = False) -> None:
    database = bootstrap.open_database(settings)
    try:
        async with database.session_factory.begin() as session:
            result = await load_reference(
                session,
                reference_files.municipalities(),
                reference_files.postal_codes(),
                announce_all=announce_all,
            )
    finally:
        await database.dispose()
    log.info(
        "reference data loaded",
        extra={"added": result.added, "changed": result.changed, "unchanged": result.unchanged},
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m registry.entrypoints.cli", description="Registry maintenance commands"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="migrate the database to the newest revision")
    loading = commands.add_parser(
        "load-reference",
        help="load the municipalities and postal codes (idempotent; announces what changed)",
    )
    loading.add_argument(
        "--announce-all", action="store_true", help="announce unchanged municipalities too"
    )
    importing = commands.add_parser(
        "import-academies",
        help="register the academies of a CSV file: all or nothing, with a report per row",
    )
    importing.add_argument("file", type=Path, help=f"CSV with columns {', '.join(COLUMNS)}")
    importing.add_argument(
        "--skip-bad-rows", action="store_true", help="import the good rows even if some are bad"
    )
    exporting = commands.add_parser("export-openapi", help="write the OpenAPI document")
    exporting.add_argument("--output", type=Path, default=OPENAPI_FILE)
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "load-reference":
        asyncio.run(load_reference_data(settings, announce_all=args.announce_all))
    elif args.command == "import-academies":
        text = args.file.read_text(encoding="utf-8")
        return asyncio.run(import_file(settings, text, skip_bad_rows=args.skip_bad_rows))
    else:
        args.output.write_text(openapi_document())
        log.info("OpenAPI document written", extra={"path": str(args.output)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
