"""Operator commands: `python -m activities.entrypoints.cli migrate`."""

from __future__ import annotations

import argparse
import logging
import sys

from sqlalchemy.engine import make_url

from activities.bootstrap import database_url, migrate
from activities.config import SERVICE, Settings
from stemkit.logging import configure_logging

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"{SERVICE}.entrypoints.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database to the newest schema")
    args = parser.parse_args(argv)

    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    if args.command == "migrate":
        migrate(settings)
        shown = make_url(database_url(settings)).render_as_string(hide_password=True)
        log.info("database migrated", extra={"database": shown})
    return 0


if __name__ == "__main__":
    sys.exit(main())
