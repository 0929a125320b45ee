"""python -m tools.flanders generate|figures|load [--small] [--seed N]: see the package."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from rich.console import Console

from tools.flanders import documents, plan, reference
from tools.flanders.load import Endpoints, load, wait_for

ROOT = Path(__file__).resolve().parents[2]


def summary(built: plan.Plan, ref: reference.Reference) -> dict[str, object]:
    figures = built.figures(ref)
    return {
        "seed": built.seed,
        "small": built.small,
        "academies": len(built.academies),
        "organizers_without_academy": len(built.unlinked),
        "documents": len(built.offers),
        "later_versions": sum(1 for o in built.offers if documents.versions(o) == 2),
        "municipalities_reached": {y: sum(p.values()) for y, p in figures.items()},
        "per_province": figures,
        "participants": {y: built.participants(y) for y in range(plan.FIRST, plan.LAST + 1)},
        "newly_recognised": {
            y: built.newly_recognised(y) for y in range(plan.FIRST, plan.LAST + 1)
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.flanders", description=__doc__)
    parser.add_argument("command", choices=["generate", "figures", "load"])
    parser.add_argument(
        "--small", action="store_true", help="about a quarter of Flanders, for tests"
    )
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "flanders")
    parser.add_argument("--registry", default=Endpoints.registry)
    parser.add_argument("--activities", default=Endpoints.activities)
    parser.add_argument("--subsidy", default=Endpoints.subsidy)
    parser.add_argument("--wait-platform", action="store_true", help="wait for the APIs first")
    parser.add_argument(
        "--wait-reach",
        type=float,
        default=None,
        metavar="SECONDS",
        help="then wait (at most SECONDS) until the subsidy coverage shows the plan's figures",
    )
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    started = time.monotonic()
    ref = reference.load()
    built = plan.build(args.seed, args.small)
    facts = summary(built, ref)
    if args.command == "figures":
        print(json.dumps(facts, indent=2))
        return 0
    if args.command == "generate":
        events = args.out / "events"
        events.mkdir(parents=True, exist_ok=True)
        for event_id, _version, doc in documents.all_documents(built, ref):  # latest wins
            (events / f"{event_id}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1))
        (args.out / "plan.json").write_text(json.dumps(facts, indent=2))
        console.print(f"{facts['documents']} documents and plan.json in {args.out}")
        return 0
    endpoints = Endpoints(args.registry, args.activities, args.subsidy)
    if args.wait_platform:
        asyncio.run(wait_for(endpoints))
    console.print(
        f"==> loading [DEMO] Flanders: {facts['academies']} academies, {facts['documents']} "
        f"UiTdatabank documents (+{facts['later_versions']} later versions), generated in "
        f"{time.monotonic() - started:.1f} s"
    )
    timings = asyncio.run(load(built, ref, endpoints, console, wait_reach=args.wait_reach))
    console.print(
        f"    registry API {timings.registry_s:.1f} s, webhook {timings.documents_s:.1f} s "
        f"({dict(timings.outcomes)}); total {time.monotonic() - started:.1f} s"
    )
    if timings.catch_up_s is not None:
        console.print(f"    subsidy coverage shows the plan {timings.catch_up_s:.1f} s later")
    reached = facts["municipalities_reached"]
    console.print(f"    planned municipalities reached per year: {reached}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
