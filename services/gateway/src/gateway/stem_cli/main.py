"""`stem`, the project's command line: `stem report --year 2022 --format md|csv|xlsx
[--output FILE]` writes the "Stand van zaken" of a year, read from the services at the
gateway's upstream URLs (`GATEWAY_REGISTRY_URL`, `GATEWAY_ACTIVITIES_URL`,
`GATEWAY_SUBSIDY_URL`) with the CLI's own token (`STEM_CLI_TOKEN`), or with the access
tokens of its client at the provider (`STEM_CLI_OIDC_CLIENT_ID`, client credentials).
Progress goes to stderr, the report to the file or stdout.

Exit codes: 0 written; 2 bad arguments or a year out of range; 3 a service unavailable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from gateway.reporting.formats import FORMATS

if TYPE_CHECKING:
    from gateway.config import Settings

BRUSSELS = ZoneInfo("Europe/Brussels")
ENV_OF = {
    "registry": "GATEWAY_REGISTRY_URL",
    "activities": "GATEWAY_ACTIVITIES_URL",
    "subsidy": "GATEWAY_SUBSIDY_URL",
}


def _say(line: str) -> None:
    """Progress and errors go to stderr, so stdout holds only the report."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stem", description="STEM-academies platform")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report",
        help="the yearly 'Stand van zaken' (reach, participants, recognition, trend, subsidies)",
    )
    report.add_argument("--year", type=int, required=True, help="the year, from 2019")
    report.add_argument("--format", choices=FORMATS, default="md", help="default: md")
    report.add_argument(
        "--output", type=Path, help="file to write (default: stdout; required for xlsx on a tty)"
    )
    return parser


async def _report(settings: Settings, year: int, kind: str, today: date) -> bytes:
    from gateway.adapters.upstreams import open_upstreams
    from gateway.reporting.assemble import build_report
    from gateway.reporting.render import render
    from gateway.reporting.upstream import HttpReportSource

    # The CLI's own credentials: its client at the provider when configured, else its token.
    upstreams = open_upstreams(
        settings, token=settings.cli_token, credentials=settings.machine_credentials(cli=True)
    )
    try:
        source = HttpReportSource(upstreams)

        def progress(step: str) -> None:
            _say(f"stem report {year}: {step}")

        report = await build_report(source, year, today=today, progress=progress)
    finally:
        await upstreams.aclose()
    return render(report, kind)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Imported once the arguments are good: `stem --help` and a wrong argument answer
    # without loading the settings, the HTTP clients and the report's (GraphQL) model.
    from gateway.adapters.upstreams import UpstreamError
    from gateway.config import Settings
    from gateway.reporting.assemble import YearOutOfRange, check_year

    today = datetime.now(BRUSSELS).date()
    try:
        check_year(args.year, today)
    except YearOutOfRange as exc:
        _say(f"stem: {exc}")
        return 2
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        _say("stem: an xlsx report is binary: give --output FILE")
        return 2
    settings = Settings()
    try:
        body = asyncio.run(_report(settings, args.year, args.format, today))
    except UpstreamError as exc:
        url = getattr(settings, f"{exc.service}_url")
        _say(
            f"stem: {exc} at {url} ({ENV_OF[exc.service]}): is it running and reachable? "
            "No report was written."
        )
        return 3
    if args.output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        args.output.write_bytes(body)
        _say(f"stem report {args.year}: wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
