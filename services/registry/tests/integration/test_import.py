"""Bulk import of academies from CSV, by the CLI and the API: all or nothing, a report per
row, or only the good rows when asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from registry.bootstrap import database_url
from registry.config import Settings
from registry.entrypoints import cli
from registry.entrypoints.bulk import import_file

pytestmark = pytest.mark.postgres

OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}
ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
HEADER = (
    "name,enterprise_number,uit_organizer_ids,home_nis_code,website,fixed_site,fixed_postal_code"
)
GOOD = [
    f"Codeclub Leuven,0202.239.951,{ORGANIZER.upper()},24062,https://codeclub.example.be,no,",
    "Robotlab Kempen,,,13008,,ja,2440",
]
BAD = [
    "Ruimtevaartclub,0202.239.952,,99999,nope,,",  # line 4: KBO, website; 99999 unknown
    f"Tweede Leuven,,{ORGANIZER},24062,,,",  # line 5: organizer of row 2
]


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


async def names(api: httpx.AsyncClient) -> list[str]:
    return [a["name"] for a in (await api.get("/academies")).json()]


async def test_a_file_with_a_bad_row_imports_nothing_and_reports_each_row(
    settings: Settings, api: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await import_file(settings, csv_text(*GOOD, *BAD), skip_bad_rows=False) == 1

    out = capsys.readouterr()
    assert "row 4, enterprise_number" in out.out
    assert "row 4, website" in out.out
    assert "row 5, uit_organizer_ids" in out.out
    assert "2 of 4 rows are bad: nothing imported" in out.out
    assert "4/4" in out.err  # the progress line
    assert await names(api) == []
    only_unknown_code = csv_text("Ruimtevaartclub,,,99999,,,")
    assert await import_file(settings, only_unknown_code, skip_bad_rows=False) == 1
    assert "row 2, home_nis_code: no municipality has NIS code 99999" in capsys.readouterr().out


async def test_skipping_bad_rows_imports_the_good_ones(
    settings: Settings, api: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await import_file(settings, csv_text(*GOOD, *BAD), skip_bad_rows=True) == 0

    assert "imported 2 of 4 rows; skipped 2 bad rows" in capsys.readouterr().out
    assert await names(api) == ["Codeclub Leuven", "Robotlab Kempen"]
    kempen = (await api.get("/academies", params={"name_contains": "Kempen"})).json()[0]
    assert kempen["fixed_location"] == {"nis_code": None, "postal_code": "2440", "address": None}


async def test_the_cli_command_reads_a_file(
    settings: Settings, api: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url(settings))
    path = tmp_path / "academies.csv"
    path.write_text(csv_text(*GOOD), encoding="utf-8")
    assert await asyncio.to_thread(cli.main, ["import-academies", str(path)]) == 0
    assert len(await names(api)) == 2


async def test_the_api_imports_all_or_nothing(api: httpx.AsyncClient) -> None:
    headers = {**OPS, "Content-Type": "text/csv"}
    refused = await api.post("/academies/import", content=csv_text(*GOOD, *BAD), headers=headers)
    assert refused.status_code == 422
    body = refused.json()
    assert body["committed"] is False and body["rows"] == 4
    assert {(e["row"], e["field"]) for e in body["errors"]} >= {
        (4, "enterprise_number"),
        (5, "uit_organizer_ids"),
    }
    assert await names(api) == []
    unauthorised = await api.post("/academies/import", content=csv_text(*GOOD))
    assert unauthorised.status_code == 403  # the client's reading token may not write
    bad_header = await api.post("/academies/import", content="naam\nX\n", headers=headers)
    assert bad_header.json()["errors"][0]["field"] == "header"

    done = await api.post("/academies/import", content=csv_text(*GOOD), headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["committed"] and len(done.json()["imported"]) == 2
    assert await names(api) == ["Codeclub Leuven", "Robotlab Kempen"]
