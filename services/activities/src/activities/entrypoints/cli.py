"""`python -m activities.entrypoints.cli migrate | openapi [--check] | backfill PATH`.

- `migrate`: bring the database to the newest schema;
- `openapi`: write `contracts/openapi/activities.json` from the app (`--check`: exit 1 if stale);
- `backfill PATH`: a folder of JSON documents or a JSON-lines file, through the webhook's
  path (stored as deliveries, then processed; thin notifications are fetched).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from activities.bootstrap import database_url, migrate, open_database
from activities.config import SERVICE, Settings, UitdatabankSettings
from stemkit.logging import configure_logging

log = logging.getLogger(__name__)
OPENAPI = Path(__file__).resolve().parents[5] / "contracts" / "openapi" / "activities.json"


def openapi_text() -> str:
    from activities.entrypoints.api import create_app

    schema = create_app(Settings(environment="test")).openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


async def _backfill(settings: Settings, path: Path) -> int:
    from activities.adapters.uit_client import UitClient, http_client
    from activities.service_layer.backfill import backfill, documents, progress_bar

    uit_settings = UitdatabankSettings()
    database = open_database(settings)
    try:
        async with http_client(uit_settings.timeout_seconds) as client:
            uit = UitClient(client, hosts=uit_settings.fetch_hosts, **uit_settings.client_options())
            outcomes = await backfill(
                database.session_factory, uit, documents(path), progress_bar()
            )
    finally:
        await database.dispose()
    log.info("backfill done", extra={"outcomes": dict(outcomes)})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"{SERVICE}.entrypoints.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database to the newest schema")
    spec = commands.add_parser("openapi", help=f"write {OPENAPI.name}")
    spec.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    fill = commands.add_parser("backfill", help="ingest a folder or a JSON-lines file")
    fill.add_argument("path", type=Path)
    args = parser.parse_args(argv)

    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    if args.command == "migrate":
        migrate(settings)
        shown = make_url(database_url(settings)).render_as_string(hide_password=True)
        log.info("database migrated", extra={"database": shown})
    elif args.command == "openapi":
        text = openapi_text()
        if args.check:
            return 0 if OPENAPI.exists() and OPENAPI.read_text() == text else 1
        OPENAPI.write_text(text)
    elif args.command == "backfill":
        return asyncio.run(_backfill(settings, args.path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
