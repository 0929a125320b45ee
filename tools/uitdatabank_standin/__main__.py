"""`python -m tools.uitdatabank_standin serve FOLDER [--port N]` serves the documents;
`... notify URL KIND ID [--standin BASE] [--secret whsec_...]` sends one signed notification."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import httpx
import uvicorn

from activities.config import DEV_WEBHOOK_SECRET
from tools.uitdatabank_standin.app import create_standin
from tools.uitdatabank_standin.notify import notification, send
from tools.uitdatabank_standin.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools.uitdatabank_standin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve")
    serve.add_argument("folder", type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    notify = commands.add_parser("notify")
    notify.add_argument("url", help="the webhook, e.g. http://127.0.0.1:8002/webhooks/uitdatabank")
    notify.add_argument("kind", choices=["event", "place", "organizer"])
    notify.add_argument("item_id")
    notify.add_argument("--standin", default="http://127.0.0.1:8090")
    notify.add_argument("--secret", default=DEV_WEBHOOK_SECRET)
    args = parser.parse_args(argv)
    if args.command == "serve":
        app = create_standin(Store.from_folder(args.folder))
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
        return 0

    async def post() -> int:
        async with httpx.AsyncClient(timeout=10) as client:
            payload = notification(args.standin, args.kind, args.item_id.lower())
            response = await send(client, args.url, args.secret, payload)
        print(response.status_code, response.text)
        return 0 if response.is_success else 1

    return asyncio.run(post())


if __name__ == "__main__":
    sys.exit(main())
