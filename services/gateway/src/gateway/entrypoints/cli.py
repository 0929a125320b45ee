"""`python -m gateway.entrypoints.cli`: the schema contract and partner keys (ops commands).

export-schema [--output FILE]          print (or write) the GraphQL SDL
keys create NAME [--safelist-only]     make a key; printed once, stored as a hash
keys list                              id, name, created, revoked
keys revoke ID                         the key stops working at once
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from strawberry.printer import print_schema

from gateway.adapters.key_store import KeyStore
from gateway.config import Settings
from gateway.domain.keys import new_key
from gateway.graphql_api.query import schema


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.add_argument("--output", type=Path, help="write it to this file instead")
    keys = commands.add_parser("keys", help="partner API keys").add_subparsers(
        dest="action", required=True
    )
    create = keys.add_parser("create", help="make a partner key (printed once)")
    create.add_argument("name", help="the partner, e.g. 'Technopolis STEM-kalender'")
    create.add_argument(
        "--safelist-only",
        action="store_true",
        help="first-party client: safelisted operations only",
    )
    keys.add_parser("list", help="list the keys (never the keys themselves)")
    keys.add_parser("revoke", help="revoke a key by id").add_argument("id")
    return parser


def sdl() -> str:
    return print_schema(schema) + "\n"


def _keys(args: argparse.Namespace, store: KeyStore) -> int:
    records = store.all()
    now = datetime.now(UTC)
    if args.action == "create":
        plain, record = new_key(args.name, now, safelist_only=args.safelist_only)
        store.save([*records, record])
        sys.stdout.write(f"id={record.id}\nkey={plain}\n")
        sys.stderr.write("Keep the key now: only its hash is stored.\n")
    elif args.action == "list":
        for r in records:
            revoked = r.revoked.isoformat() if r.revoked else "-"
            flag = " safelist-only" if r.safelist_only else ""
            sys.stdout.write(f"{r.id}\t{r.name}\t{r.created.isoformat()}\t{revoked}{flag}\n")
    elif args.action == "revoke":
        if args.id not in {r.id for r in records}:
            sys.stderr.write(f"no key with id {args.id}\n")
            return 1
        store.save([r.revoke(now) if r.id == args.id else r for r in records])
        sys.stdout.write(f"revoked {args.id}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "export-schema":
        if args.output:
            args.output.write_text(sdl(), encoding="utf-8")
        else:
            sys.stdout.write(sdl())
        return 0
    return _keys(args, KeyStore(Settings().key_store_path))


if __name__ == "__main__":
    raise SystemExit(main())
