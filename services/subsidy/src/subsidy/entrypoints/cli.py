"""`python -m subsidy.entrypoints.cli migrate | openapi [--check] | rebuild`: operator commands.

- `migrate`: bring the database to the newest revision;
- `openapi`: write `contracts/openapi/subsidy.json` from the app (`--check`: exit 1 if stale);
- `rebuild`: rebuild every state copy and the reach from the topics (see `service_layer.rebuild`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path

from stemkit.logging import configure_logging
from subsidy.bootstrap import migrate, open_database
from subsidy.config import SERVICE, Settings

OPENAPI = Path(__file__).resolve().parents[5] / "contracts" / "openapi" / "subsidy.json"


def openapi_text() -> str:
    from subsidy.entrypoints.api import create_app

    schema = create_app(Settings(environment="test")).openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="subsidy")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="migrate the database to the newest revision")
    spec = commands.add_parser("openapi", help=f"write {OPENAPI.name}")
    spec.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    commands.add_parser("rebuild", help="rebuild all state from the topics")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    log = logging.getLogger(__name__)
    if args.command == "migrate":
        migrate(settings)
        log.info("subsidy database migrated")
    elif args.command == "openapi":
        text = openapi_text()
        if args.check:
            return 0 if OPENAPI.exists() and OPENAPI.read_text() == text else 1
        OPENAPI.parent.mkdir(parents=True, exist_ok=True)
        OPENAPI.write_text(text)
    elif args.command == "rebuild":
        from subsidy.service_layer.rebuild import rebuild_from_topics

        async def rebuild() -> None:
            database = open_database(settings)
            try:
                stats = await rebuild_from_topics(database, settings.kafka_bootstrap_servers)
                log.info("rebuilt: %s", stats)
            finally:
                await database.dispose()

        asyncio.run(rebuild())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
