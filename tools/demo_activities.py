"""Demo data spanning 2019-2025, so the yearly report (`stem report`) has years to show.

    uv run python tools/demo_activities.py generate [--out FILE]  # UiTdatabank JSON-LD, JSON lines
    uv run python tools/demo_activities.py seed-registry          # [DEMO] academies, a history
    uv run python tools/demo_activities.py load [--out FILE]      # both, then the backfill

Synthetic, flagged and named "[DEMO]" like `python -m tools.demo seed`, but in real municipalities
(the registry's reference data: a postal code of one municipality that kept its NIS code
through 2025, with a point inside its boundary). Deterministic: the same files every run.

- Six more [DEMO] academies with a recognition history from 2019 (one joins in 2020, one in
  2021, one lapses after 2022), roles per year and voluntary participant reports (some only
  per quarter, some years missing), registered through the registry's own service layer.
- UiTdatabank event documents (JSON-LD) of those academies in 2019-2025 and of the three
  tools/demo academies with an organizer in 2023-2025, each inside a period in which its
  academy is recognised. No academy held activities in April-June 2020 (a gap the report
  must show). They go in through the activities backfill (as `python -m
  activities.entrypoints.cli backfill` does), the webhook's code path: one progress bar on a
  terminal, a few summary lines in any case.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from shapely.geometry import Point, shape  # type: ignore[import-untyped]

if not __package__:  # run as a script: the repository root, for tools.demo
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stemkit.logging import configure_logging
from tools.demo.academies import DEMO_ACADEMIES

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "services" / "registry" / "src" / "registry" / "reference_data"
DEFAULT_OUT = ROOT / "var" / "demo" / "activities.jsonl"
NAMESPACE = uuid.UUID("0b6c3f2e-8a51-4c7e-9d0f-5e2a7c4b1d93")
BRUSSELS = ZoneInfo("Europe/Brussels")
AUTHOR = "[DEMO] tools/demo_activities.py"
FIRST, LAST = 2019, 2025
GAP = (2020, (4, 5, 6))  # no activities at all in April-June 2020

THEMES = (
    ("1.25.0.0.0", "Wetenschap"),
    ("1.21.0.0.0", "Computer en techniek"),
    ("1.64.0.0.0", "Milieu en natuur"),
    ("1.65.0.0.0", "Voeding"),
    ("1.42.0.0.0", "Creativiteit"),
)
AGE_RANGES = ("6-12", "8-12", "10-16", "14-18", "")  # "": no typicalAgeRange given
TITLES = ("Robots bouwen", "Codeerclub", "Sterrenkijken", "Proefjes in de keuken", "Bruggen bouwen")


@dataclass(frozen=True)
class HistoryAcademy:
    name: str
    province: str
    decisions: tuple[tuple[str, date], ...]  # (status, valid from) in order
    active: tuple[int, int]  # first and last year with activities (inside the recognition)
    roles: tuple[tuple[int, str], ...] = ()
    # year -> (whole year or None, quarters or None); a missing year: no report
    reports: tuple[tuple[int, int | None, tuple[int, ...] | None], ...] = ()

    @property
    def academy_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"academy:{self.name}"))

    @property
    def organizer_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"organizer:{self.name}"))


def _renewing(start: int) -> tuple[tuple[str, date], ...]:
    """requested, provisional (1 year), recognised (3 years), renewal due, renewed (3 years)."""
    return (
        ("requested", date(start - 1, 12, 1)),
        ("provisionally_recognised", date(start, 1, 1)),
        ("recognised", date(start + 1, 1, 1)),
        ("renewal_due", date(start + 3, 12, 1)),
        ("renewed", date(start + 4, 1, 1)),
    )


HISTORY = (
    HistoryAcademy(
        "[DEMO] Wetenschapsclub Antwerpen",
        "Antwerpen",
        _renewing(2019),
        (2019, 2025),
        roles=((2023, "uitroller"), (2024, "uitroller"), (2025, "uitroller")),
        reports=tuple(
            (y, 120 + 10 * (y - 2019), (30, 25, 20, 45 + 10 * (y - 2019)))
            for y in range(2019, 2026)
        ),
    ),
    HistoryAcademy(
        "[DEMO] Techniekhuis Gent",
        "Oost-Vlaanderen",
        _renewing(2019),
        (2019, 2025),
        roles=((2023, "uitroller"), (2023, "gangmaker"), (2024, "uitroller")),
        reports=tuple((y, 200 + 5 * (y - 2019), None) for y in range(2019, 2026)),
    ),
    HistoryAcademy(
        "[DEMO] Codeerkamp Kortrijk",  # lapses: its renewal is due from December 2022, never done
        "West-Vlaanderen",
        _renewing(2019)[:4],
        (2019, 2022),
        reports=tuple((y, 60, None) for y in range(2019, 2022)),
    ),
    HistoryAcademy(
        "[DEMO] Sterrenlab Limburg",
        "Limburg",
        _renewing(2019),
        (2019, 2025),
        roles=((2023, "uitroller"), (2025, "uitroller")),
        reports=((2019, 80, None), (2023, 95, None), (2024, 99, None), (2025, 101, None)),
    ),
    HistoryAcademy(
        "[DEMO] Natuurkunde op Tour",
        "West-Vlaanderen",
        _renewing(2020),
        (2020, 2025),
        roles=((2023, "uitroller"), (2024, "uitroller")),
        reports=tuple((y, 150, None) for y in range(2020, 2026)),
    ),
    HistoryAcademy(
        "[DEMO] Makerspace Vlaams-Brabant",  # reports only its first two quarters
        "Vlaams-Brabant",
        _renewing(2021),
        (2021, 2025),
        roles=((2025, "uitroller"),),
        reports=tuple((y, None, (15 + y - 2021, 18)) for y in range(2021, 2026)),
    ),
)
# tools/demo's academies with an organizer, recognised from October 2022: active 2023-2025.
SEEDED = tuple(
    (a.name, a.uit_organizer_ids[0], a.home_nis_code[:2])
    for a in DEMO_ACADEMIES
    if a.uit_organizer_ids
)


@dataclass(frozen=True)
class Place:
    postal_code: str
    nis_code: str
    name: str
    province: str
    latitude: float
    longitude: float


def places() -> dict[str, list[Place]]:
    """Per province: one postal code per municipality that has the same NIS code from 2019
    on (no merger, not Antwerpen, which absorbed Borsbeek) and that postal code alone."""
    with (REFERENCE / "flemish_municipalities.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    successors = {r["merged_into_nis"] for r in rows if r["merged_into_nis"]}
    stable = {
        r["nis_code"]: r
        for r in rows
        if r["valid_from"] == "2019-01-01" and not r["valid_to"] and r["nis_code"] not in successors
    }
    with (REFERENCE / "postal_codes.csv").open(encoding="utf-8") as f:
        codes = list(csv.DictReader(f))
    municipalities_of: dict[str, set[str]] = {}
    for c in codes:
        municipalities_of.setdefault(c["postal_code"], set()).add(c["nis_code"])
    boundaries = json.loads(
        (REFERENCE / "flanders_municipalities_2019.geojson").read_text(encoding="utf-8")
    )
    shapes = {f["properties"]["nis_code"]: shape(f["geometry"]) for f in boundaries["features"]}
    found: dict[str, list[Place]] = {}
    seen: set[str] = set()
    for c in sorted(codes, key=lambda c: c["postal_code"]):
        nis = c["nis_code"]
        if nis not in stable or nis in seen or len(municipalities_of[c["postal_code"]]) != 1:
            continue
        point = shapes[nis].representative_point()
        lat, lon = round(point.y, 5), round(point.x, 5)
        if not shapes[nis].contains(Point(lon, lat)):
            continue  # rounding moved it out: leave this municipality out
        seen.add(nis)
        row = stable[nis]
        found.setdefault(row["province_nl"], []).append(
            Place(c["postal_code"], nis, row["name_nl"], row["province_nl"], lat, lon)
        )
    return found


def _months(year: int) -> list[int]:
    return [m for m in range(1, 13) if not (year == GAP[0] and m in GAP[1])]


def _document(
    activity: str,
    organizer: tuple[str, str],
    place: Place,
    starts: list[datetime],
    rng: random.Random,
) -> dict[str, Any]:
    theme = rng.choice(THEMES)
    ages = rng.choice(AGE_RANGES)
    title = rng.choice(TITLES)
    sub_events = [
        {
            "@type": "Event",
            "id": n,
            "startDate": start.isoformat(),
            "endDate": (start + timedelta(hours=2)).isoformat(),
            "status": {"type": "Available"},
        }
        for n, start in enumerate(starts)
    ]
    place_id = uuid.uuid5(NAMESPACE, f"place:{place.postal_code}")
    document: dict[str, Any] = {
        "@id": f"https://io.uitdatabank.be/events/{activity}",
        "@context": "/contexts/event",
        "@type": "Event",
        "mainLanguage": "nl",
        "name": {"nl": f"[DEMO] {title} in {place.name}"},
        "description": {"nl": "Synthetische demo-activiteit (geen echte activiteit)."},
        "calendarType": "single" if len(starts) == 1 else "multiple",
        "startDate": sub_events[0]["startDate"],
        "endDate": sub_events[-1]["endDate"],
        "subEvent": sub_events,
        "location": {
            "@id": f"https://io.uitdatabank.be/places/{place_id}",
            "@type": "Place",
            "mainLanguage": "nl",
            "name": {"nl": f"[DEMO] Lokaal {place.name}"},
            "address": {
                "nl": {
                    "addressCountry": "BE",
                    "addressLocality": place.name,
                    "postalCode": place.postal_code,
                    "streetAddress": "Demostraat 1",
                }
            },
            "geo": {"latitude": place.latitude, "longitude": place.longitude},
        },
        "organizer": {
            "@id": f"https://io.uitdatabank.be/organizers/{organizer[0]}",
            "@type": "Organizer",
            "name": {"nl": organizer[1]},
        },
        "terms": [
            {"id": "0.3.1.0.0", "label": "Lessenreeks", "domain": "eventtype"},
            {"id": theme[0], "label": theme[1], "domain": "theme"},
        ],
        "audience": {"audienceType": "everyone"},
        "workflowStatus": "APPROVED",
        "labels": ["STEM", "DEMO"],
        "created": f"{starts[0].year - 1}-12-01T09:00:00+01:00",
        "modified": f"{starts[0].year - 1}-12-15T09:00:00+01:00",
    }
    if ages:
        document["typicalAgeRange"] = ages
    return document


def _academy_year(
    key: str, organizer: tuple[str, str], pool: list[Place], year: int, count: int
) -> Iterator[dict[str, Any]]:
    """`count` municipalities of the pool this year, one or two activities in each."""
    rng = random.Random(f"{key}:{year}")
    months = _months(year)
    chosen = rng.sample(pool, min(count, len(pool)))
    n = 0
    for place in sorted(chosen, key=lambda p: p.postal_code):
        for _ in range(rng.choice((1, 1, 1, 2))):
            month = months[(n + rng.randrange(len(months))) % len(months)]
            first = datetime(year, month, 3 + rng.randrange(20), 14, 0, tzinfo=BRUSSELS)
            sessions = rng.choice((1, 2, 3))
            starts = [first + timedelta(days=7 * k) for k in range(sessions)]
            starts = [s for s in starts if s.year == year and s.month not in _gap(year)] or [first]
            activity = str(uuid.uuid5(NAMESPACE, f"activity:{key}:{year}:{n}"))
            yield _document(activity, organizer, place, starts, rng)
            n += 1


def _gap(year: int) -> tuple[int, ...]:
    return GAP[1] if year == GAP[0] else ()


def documents() -> list[dict[str, Any]]:
    """Every demo event document, in a fixed order; every month of a year (except the gap)
    holds at least one activity."""
    pools = places()
    out: list[dict[str, Any]] = []
    for academy in HISTORY:
        pool = pools[academy.province][:12]
        for year in range(academy.active[0], academy.active[1] + 1):
            count = 3 + random.Random(f"{academy.name}:{year}:count").randrange(3)
            organizer = (academy.organizer_id, academy.name)
            out += _academy_year(academy.name, organizer, pool, year, count)
    by_prefix = {"24": "Vlaams-Brabant", "13": "Antwerpen", "31": "West-Vlaanderen"}
    for name, organizer_id, prefix in SEEDED:
        pool = pools[by_prefix.get(prefix, "Vlaams-Brabant")][12:20]
        for year in (2023, 2024, 2025):
            out += _academy_year(name, (organizer_id, name), pool, year, 3)
    return _cover_every_month(out)


def _cover_every_month(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add a session in each month of a year that has none yet (outside the gap), to an
    activity of that year (the n-th, in turn), so only the gap is a month without any."""
    for year in range(FIRST, LAST + 1):
        of_year = [d for d in docs if d["subEvent"][0]["startDate"].startswith(str(year))]
        for n, month in enumerate(_months(year)):
            if any(_month(s["startDate"]) == month for d in of_year for s in d["subEvent"]):
                continue
            host = of_year[n % len(of_year)]
            start = datetime(year, month, 10, 14, 0, tzinfo=BRUSSELS)
            host["subEvent"].append(
                {
                    "@type": "Event",
                    "startDate": start.isoformat(),
                    "endDate": (start + timedelta(hours=2)).isoformat(),
                    "status": {"type": "Available"},
                }
            )
            host["subEvent"].sort(key=lambda sub: sub["startDate"])
            for k, sub in enumerate(host["subEvent"]):
                sub["id"] = k
            host["calendarType"] = "multiple"
            host["startDate"] = host["subEvent"][0]["startDate"]
            host["endDate"] = host["subEvent"][-1]["endDate"]
    return docs


def _month(stamp: str) -> int:
    return int(stamp[5:7])


def write(path: Path) -> int:
    docs = documents()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), "utf-8")
    return len(docs)


async def seed_registry() -> list[str]:
    """Register the history academies that are not there yet (idempotent, like tools.demo seed)."""
    from registry import bootstrap
    from registry.adapters import academy_store
    from registry.config import Settings
    from registry.domain.profile import RawProfile
    from registry.service_layer import participants
    from registry.service_layer.academies import RegisterAcademy, register_academy
    from registry.service_layer.participants import ReportParticipants
    from registry.service_layer.recognition import Decide, decide, set_role

    database = bootstrap.open_database(Settings())
    added = []
    try:
        async with database.session_factory.begin() as session:
            for academy in HISTORY:
                if await academy_store.exists(session, academy.academy_id):
                    continue
                slug = academy.academy_id[:8]
                await register_academy(
                    session,
                    RegisterAcademy(
                        name=academy.name,
                        uit_organizer_ids=(academy.organizer_id,),
                        demo=True,
                        academy_id=academy.academy_id,
                        profile=RawProfile(
                            website=f"https://example.org/demo/{slug}",
                            contact_email=f"demo-{slug}@example.org",
                        ),
                    ),
                )
                for status, start in academy.decisions:
                    command = Decide(status, start, "[DEMO] synthetic", AUTHOR)  # type: ignore[arg-type]
                    await decide(session, academy.academy_id, command)
                for year, role in academy.roles:
                    await set_role(session, academy.academy_id, year, role, held=True)  # type: ignore[arg-type]
                for year, whole, quarters in academy.reports:
                    on = date(year + 1, 1, 15)
                    if whole is not None:
                        report = ReportParticipants(year=year, participants=whole, reported_on=on)
                        await participants.report(session, academy.academy_id, report)
                    for q, count in enumerate(quarters or (), start=1):
                        report = ReportParticipants(
                            year=year, quarter=q, participants=count, reported_on=on
                        )
                        await participants.report(session, academy.academy_id, report)
                added.append(academy.name)
    finally:
        await database.dispose()
    return added


async def backfill_demo(path: Path) -> Counter[str]:
    """The documents through the activities backfill (the webhook's code path), in this
    process: one progress bar on a terminal, nothing per document otherwise."""
    from activities.adapters.uit_client import UitClient, http_client
    from activities.bootstrap import open_database
    from activities.config import Settings, UitdatabankSettings
    from activities.service_layer.backfill import backfill, documents

    bodies = documents(path)
    uit_settings = UitdatabankSettings()
    database = open_database(Settings())
    console = Console(stderr=True)
    try:
        async with http_client(uit_settings.timeout_seconds) as client:
            uit = UitClient(client, headers=uit_settings.headers(), hosts=uit_settings.fetch_hosts)
            if not console.is_terminal:
                return await backfill(database.session_factory, uit, bodies)
            with Progress(
                TextColumn("demo: loading UiTdatabank documents"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,  # the summary line below replaces it
            ) as bar:
                task = bar.add_task("load", total=len(bodies))
                return await backfill(
                    database.session_factory,
                    uit,
                    bodies,
                    lambda done, _total, _outcomes: bar.update(task, completed=done),
                )
    finally:
        await database.dispose()


def say(line: str) -> None:
    sys.stderr.write(f"demo: {line}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("generate", "load"):
        command = commands.add_parser(name)
        command.add_argument("--out", type=Path, default=DEFAULT_OUT)
    commands.add_parser("seed-registry")
    args = parser.parse_args(argv)
    # Warnings and errors only: the summary lines below say what was done.
    configure_logging("demo", "WARNING")
    if args.command in ("seed-registry", "load"):
        added = asyncio.run(seed_registry())
        say(f"{len(added)} [DEMO] academies with a history registered ({len(HISTORY)} in all)")
    if args.command in ("generate", "load"):
        count = write(args.out)
        say(f"{count} UiTdatabank documents written to {args.out}")
    if args.command == "load":
        outcomes = asyncio.run(backfill_demo(args.out))
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        say(f"{sum(outcomes.values())} documents through the backfill: {counts}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:  # Ctrl-C during `make run`'s set-up: no traceback
        raise SystemExit(130) from None
