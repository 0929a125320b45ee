"""`python -m registry.entrypoints.cli migrate | load-reference | seed-demo | import-academies
FILE.csv [--skip-bad-rows] | export-openapi`."""

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
from registry.domain.academy import InvalidAcademy
from registry.entrypoints.bulk import OPENAPI_FILE, import_file, openapi_document
from registry.service_layer.academies import OrganizerTaken
from registry.service_layer.demo import seed_demo
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


async def seed_demo_academies(settings: Settings) -> None:
    database = bootstrap.open_database(settings)
    try:
        async with database.session_factory.begin() as session:
            added = await seed_demo(session)
    finally:
        await database.dispose()
    log.info("demo academies seeded", extra={"added": [a.name for a in added]})


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
    commands.add_parser(
        "seed-demo",
        help="add the synthetic [DEMO] academies (idempotent; after load-reference)",
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
    try:
        if args.command == "migrate":
            migrate(settings)
        elif args.command == "load-reference":
            asyncio.run(load_reference_data(settings, announce_all=args.announce_all))
        elif args.command == "import-academies":
            text = args.file.read_text(encoding="utf-8")
            return asyncio.run(import_file(settings, text, skip_bad_rows=args.skip_bad_rows))
        elif args.command == "export-openapi":
            args.output.write_text(openapi_document())
            log.info("OpenAPI document written", extra={"path": str(args.output)})
        else:
            asyncio.run(seed_demo_academies(settings))
    except (InvalidAcademy, OrganizerTaken) as exc:
        # Seeding refuses rather than overwrite: e.g. municipalities not loaded yet, or a demo
        # organizer id already owned by a real academy.
        log.error("seed-demo failed: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
