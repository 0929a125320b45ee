"""The yearly report end to end, on real Kafka and PostgreSQL with every process running:
the demo data of `tools/demo_activities.py` (registry academies with a history, UiTdatabank
documents 2019-2025 through the activities backfill CLI) flows through the events into the
subsidy service; then `stem report` (md, csv, xlsx) and GraphQL `report(year)` are checked
against figures computed here from the demo input alone: each document's postal code ->
municipality -> province from the reference CSVs, per year of its sessions.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from openpyxl import load_workbook

from conftest import fresh_database
from stemkit.settings import DEV_OPS_TOKEN
from tests.e2e.harness import ROOT, SERVICES_WITH_DB, Platform
from tools.demo.academies import DEMO_ACADEMIES
from tools.demo_activities import HISTORY

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

REFERENCE = ROOT / "services" / "registry" / "src" / "registry" / "reference_data"
YEAR, GAP_YEAR = 2023, 2020
STEM = Path(sys.executable).parent / "stem"  # the [project.scripts] entry of the gateway
T = TypeVar("T")


@dataclass
class Expected:
    """Figures from the demo documents and the reference CSVs only."""

    reached: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    activities: Counter[int] = field(default_factory=Counter)
    themes: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    ages: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # Postal codes reached with a traject (at least two session days: the Uitrollers payment
    # needs one, ADR 0013); reach counts every document.
    postal_codes: dict[tuple[int, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    names: dict[str, str] = field(default_factory=dict)
    province: dict[str, str] = field(default_factory=dict)
    totals: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def per_province(self, year: int) -> dict[str, tuple[int, int]]:
        reached = Counter(self.province[n] for n in self.reached[year])
        return {p: (reached[p], total) for p, total in sorted(self.totals[year].items())}


def _age_group(age_range: str | None) -> str:
    if not age_range:
        return "unknown"
    low, high = (int(part) if part else None for part in age_range.split("-"))
    if high is not None and high < 14:
        return "under_14"
    if low is not None and low >= 14:
        return "14_and_over"
    return "both"


def expected_from(documents: list[dict[str, Any]]) -> Expected:
    with (REFERENCE / "postal_codes.csv").open(encoding="utf-8") as f:
        nis_of = {row["postal_code"]: row["nis_code"] for row in csv.DictReader(f)}
    with (REFERENCE / "flemish_municipalities.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    found = Expected()
    for row in rows:
        found.names[row["nis_code"]] = row["name_nl"]
        found.province[row["nis_code"]] = row["province_nl"]
        for year in range(2019, 2026):  # valid on at least one day of the year
            ends = row["valid_to"] or "9999-12-31"
            if row["valid_from"] <= f"{year}-12-31" and ends >= f"{year}-01-01":
                found.totals[year][row["province_nl"]] += 1
    organizers = {a.organizer_id: a.academy_id for a in HISTORY}
    organizers |= {a.uit_organizer_ids[0]: a.academy_id for a in DEMO_ACADEMIES[:3]}
    for doc in documents:
        postal = doc["location"]["address"]["nl"]["postalCode"]
        academy = organizers[doc["organizer"]["@id"].rsplit("/", 1)[1]]
        years = {int(sub["startDate"][:4]) for sub in doc["subEvent"]}
        themes = [t["id"] for t in doc["terms"] if t["domain"] == "theme"]
        traject = len({sub["startDate"][:10] for sub in doc["subEvent"]}) >= 2
        for year in years:
            # 2019 counts only places reached with a series (stem/coverage/traject_required)
            if traject or year != 2019:
                found.reached[year].add(nis_of[postal])
            found.activities[year] += 1
            found.themes[year].update(themes)
            found.ages[year][_age_group(doc.get("typicalAgeRange"))] += 1
            if traject:
                found.postal_codes[(year, academy)].add(postal)
    return found


@pytest.fixture
async def platform(kafka_bootstrap_servers: str) -> AsyncIterator[Platform]:
    async with AsyncExitStack() as stack:
        urls = {s: await stack.enter_async_context(fresh_database()) for s in SERVICES_WITH_DB}
        running = Platform(kafka=kafka_bootstrap_servers, database_urls=urls)
        try:
            await asyncio.to_thread(running.start)
            await running.wait_healthy()
            yield running
        finally:
            running.stop()


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, within: float) -> T:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        last = await probe()
        if last is not None:
            return last
        await asyncio.sleep(1)
    raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")


async def stem(platform: Platform, *args: str) -> subprocess.CompletedProcess[bytes]:
    """`stem report ARGS` as a process, with the platform's GATEWAY_* URLs."""
    return await asyncio.to_thread(
        subprocess.run,
        [str(STEM), "report", *args],
        env=platform.env(),
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )


def sections(text: str) -> dict[str, list[dict[str, str]]]:
    """The sectioned CSV (`#section,<key>,<title>`, header, rows, empty row) as dicts."""
    found: dict[str, list[dict[str, str]]] = {}
    lines = iter(csv.reader(io.StringIO(text)))
    for row in lines:
        if row and row[0] == "#section":
            header = next(lines)
            found[row[1]] = []
            for values in lines:
                if not values:
                    break
                found[row[1]].append(dict(zip(header, values, strict=True)))
    return found


async def test_the_report_of_demo_years_matches_figures_from_the_demo_input(
    platform: Platform, tmp_path: Path
) -> None:
    out = tmp_path / "demo.jsonl"
    loaded = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "tools/demo_activities.py", "load", "--out", str(out)],
        env=platform.env(),
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr.decode()[-2000:]
    documents = [json.loads(line) for line in out.read_text().splitlines()]
    want = expected_from(documents)
    uitrollers = {a.academy_id for a in HISTORY if (YEAR, "uitroller") in a.roles}
    uitrollers |= {a.academy_id for a in DEMO_ACADEMIES[:3]}  # tools.demo seed: 2023-2025
    want_paid = {
        a: Decimal(1500) * len(want.postal_codes[(YEAR, a)])
        for a in uitrollers
        if want.postal_codes[(YEAR, a)]
    }
    assert want_paid, "the demo data has trajecten in the report year"

    async with httpx.AsyncClient(timeout=10, headers=platform.caller_headers()) as client:
        subsidy = platform.url("subsidy")

        last: dict[int, tuple[int, int]] = {}  # year -> (found, wanted), when they differ

        async def reach_settled() -> bool | None:
            platform.assert_running()
            last.clear()
            for year in range(2019, 2026):
                found = (await client.get(f"{subsidy}/coverage", params={"year": year})).json()
                if found["reached"] != len(want.reached[year]):
                    last[year] = (found["reached"], len(want.reached[year]))
            return None if last else True

        try:
            await eventually(reach_settled, "the demo reach in the subsidy service", 240)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; (found, wanted) per year: {last}") from None

        async def run_settled() -> list[dict[str, Any]] | None:
            answer = await client.get(f"{subsidy}/subsidies", params={"year": YEAR})
            if answer.status_code != 200:
                return None
            lines = [s for s in answer.json() if s["role"] == "uitroller"]
            paid = {s["academy_id"]: Decimal(s["paid_eur"]) for s in lines}
            return lines if paid == want_paid else None

        await eventually(run_settled, f"the {YEAR} calculation of the demo reach", 90)

        # Markdown, sectioned CSV and xlsx of one year, through the installed `stem` script.
        md = await stem(platform, "--year", str(YEAR), "--format", "md")
        assert md.returncode == 0, md.stderr.decode()
        assert f"stem report {YEAR}: trend 2019" in md.stderr.decode()  # progress on stderr
        text = md.stdout.decode()
        total = sum(t for _, t in want.per_province(YEAR).values())
        assert f"{len(want.reached[YEAR])} of {total} municipalities" in text
        for year in range(2020, YEAR + 1):
            news = sorted(want.names[n] for n in want.reached[year] - want.reached[year - 1])
            assert f"- **{year}**: newly reached: {', '.join(news) or 'none'}." in text
        # The traject rule and what rests on it (issue 15): one traject per paid postal code.
        places = sum(len(want.postal_codes[(YEAR, a)]) for a in want_paid)
        assert "Places are paid only where a STEM-traject was held (at least 2 sessions" in text
        assert f"made {places} places payable." in text

        csv_run = await stem(platform, "--year", str(YEAR), "--format", "csv")
        assert csv_run.returncode == 0, csv_run.stderr.decode()
        report = sections(csv_run.stdout.decode())
        by_province = {
            r["province"]: (int(r["reached"]), int(r["total"]))
            for r in report["reach_by_province"]
            if r["province"] != "Flanders"
        }
        assert by_province == want.per_province(YEAR)
        assert {r["nis_code"] for r in report["reached"]} == want.reached[YEAR]
        assert all(want.province[r["nis_code"]] == r["province"] for r in report["reached"])
        not_reached = {r["nis_code"] for r in report["not_reached"]}
        assert len(not_reached) == total - len(want.reached[YEAR])
        assert not not_reached & want.reached[YEAR]
        trend = {int(r["year"]): r for r in report["trend"]}
        assert sorted(trend) == list(range(2019, YEAR + 1))
        for year, row in trend.items():
            assert int(row["reached"]) == len(want.reached[year])
            assert int(row["activities"]) == want.activities[year]
            if year > 2019:
                gone = want.reached[year - 1] - want.reached[year]
                assert int(row["dropped"]) == len(gone)
        themes = Counter(
            {(int(r["year"]), r["theme_id"]): int(r["activities"]) for r in report["themes"]}
        )
        assert themes == Counter(
            {(y, t): n for y in range(2019, YEAR + 1) for t, n in want.themes[y].items()}
        )
        ages = {
            (int(r["year"]), r["age_group"]): int(r["activities"]) for r in report["age_groups"]
        }
        assert ages == {(y, g): n for y in range(2019, YEAR + 1) for g, n in want.ages[y].items()}

        # Participants as the demo academies reported them, and who did not.
        people = {r["academy_id"]: r for r in report["participants"]}
        for academy in HISTORY:
            given = [(whole, quarters) for y, whole, quarters in academy.reports if y == YEAR]
            if not given:
                continue
            whole, quarters = given[0]
            row = people[academy.academy_id]
            assert row["participants"] == str(whole if whole is not None else sum(quarters or ()))
            assert row["from_quarters"] == ("no" if whole is not None else "yes")
            if quarters:
                assert [row[f"q{q}"] for q in (1, 2)] == [str(n) for n in quarters[:2]]
                assert row["first_half"] == str(sum(quarters[:2]))
        silent = {r["academy_id"] for r in report["participants"] if r["reported"] == "no"}
        assert silent == {a.academy_id for a in DEMO_ACADEMIES[:3]}  # they reported 2024 only
        lapsed = {a.academy_id for a in HISTORY if a.decisions[-1][0] == "renewal_due"}
        assert {r["academy_id"] for r in report["reviews_due"] if r["overdue"] == "yes"} == lapsed

        # Subsidies per role where the rules are known; the unknown calls said so.
        role_rows = {r["role"]: r for r in report["subsidies_by_role"]}
        assert Decimal(role_rows["uitroller"]["paid_eur"]) == sum(want_paid.values())
        assert int(role_rows["uitroller"]["academies"]) == len(want_paid)
        calls = {r["call_id"]: r["calculated"] for r in report["subsidy_calls"]}
        assert calls == {
            "uitrollers_2023": "yes",
            "gangmakers_2023": "no",
            "ontwikkelaars_2023": "no",
        }
        gaps = {r["kind"] for r in report["gaps"]}
        assert (
            "activities_missing" not in gaps and {"participants_missing", "rules_unknown"} <= gaps
        )

        xlsx = tmp_path / "report.xlsx"
        xlsx_run = await stem(
            platform, "--year", str(YEAR), "--format", "xlsx", "--output", str(xlsx)
        )
        assert xlsx_run.returncode == 0, xlsx_run.stderr.decode()
        book = load_workbook(xlsx, read_only=True)
        assert set(report) == set(book.sheetnames)
        rows = list(book["reach_by_province"].iter_rows(values_only=True))[1:]
        assert {p: (r, t) for p, r, t, _ in rows if p != "Flanders"} == want.per_province(YEAR)

        # The same content through GraphQL (ops token with the report scope).
        query = """query($year: Int!) { report(year: $year) { complete
            gaps { kind message }
            reach { reached total provinces { province reached total
                reachedMunicipalities { nisCode } } }
            trend { year reached newlyReached { nisCode } dropped { nisCode } }
            subsidies { perRole { role paidEur } } } }"""
        token = platform.env().get("STEM_OPS_TOKEN", DEV_OPS_TOKEN)
        headers = {"Authorization": f"Bearer {token}"}

        async def ask(year: int) -> dict[str, Any]:
            answer = await client.post(
                f"{platform.url('gateway')}/graphql",
                json={"query": query, "variables": {"year": year}},
                headers=headers,
                timeout=60,
            )
            body: dict[str, Any] = answer.json()
            assert "errors" not in body, body
            found: dict[str, Any] = body["data"]["report"]
            return found

        graph = await ask(YEAR)
        assert {
            p["province"]: (p["reached"], p["total"]) for p in graph["reach"]["provinces"]
        } == want.per_province(YEAR)
        assert {
            m["nisCode"] for p in graph["reach"]["provinces"] for m in p["reachedMunicipalities"]
        } == want.reached[YEAR]
        for row in graph["trend"][1:]:
            year = row["year"]
            assert {m["nisCode"] for m in row["newlyReached"]} == (
                want.reached[year] - want.reached[year - 1]
            )
            assert {m["nisCode"] for m in row["dropped"]} == (
                want.reached[year - 1] - want.reached[year]
            )
        assert {r["role"]: Decimal(r["paidEur"]) for r in graph["subsidies"]["perRole"]} == {
            "uitroller": sum(want_paid.values())
        }

        # A year with missing data says so: no activity at all in April-June 2020.
        gap_year = await ask(GAP_YEAR)
        assert not gap_year["complete"]
        missing = [g["message"] for g in gap_year["gaps"] if g["kind"] == "activities_missing"]
        assert len(missing) == 1 and f"April, May, June {GAP_YEAR}" in missing[0]
        assert gap_year["reach"]["reached"] == len(want.reached[GAP_YEAR])

        # A year out of range is refused, with a clear message.
        refused = await stem(platform, "--year", "2031")
        assert refused.returncode == 2 and b"choose a year from 2019" in refused.stderr
