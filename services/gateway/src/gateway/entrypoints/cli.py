"""`python -m gateway.entrypoints.cli export-schema`: print the GraphQL SDL (the contract)."""

from __future__ import annotations

import argparse
import sys

from strawberry.printer import print_schema

from gateway.schema.query import schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("export-schema", help="print the GraphQL schema (SDL) to stdout")
    args = parser.parse_args(argv)
    if args.command == "export-schema":
        sys.stdout.write(print_schema(schema) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
