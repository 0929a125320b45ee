"""`python -m subsidy.entrypoints.cli migrate`: operator commands of the subsidy service."""

from __future__ import annotations

import argparse
import logging

from stemkit.logging import configure_logging
from subsidy.bootstrap import migrate
from subsidy.config import SERVICE, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="subsidy")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="migrate the database to the newest revision")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    if args.command == "migrate":
        migrate(settings)
        logging.getLogger(__name__).info("subsidy database migrated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
