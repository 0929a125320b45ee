"""The report written as Markdown (to read), a sectioned CSV, or an xlsx workbook.

Sectioned CSV: one file; each section starts with a row `#section,<key>,<title>`, then its
header row and its rows, then an empty row. Empty cells are unknown / not reported; shares
are fractions (0.5 = 50 %). xlsx: one sheet per section, named by its key, the header in
row 1 (the section keys and columns are those of `tables.tables`).

Both spreadsheet formats carry text from outside (academy names, UiTdatabank theme ids), so
a text cell that a spreadsheet would take for a formula is neutralised (OWASP "CSV
injection"): one starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
`'`. The workbook also stores every text cell as a string (never as a formula) and drops the
control characters an xlsx cannot hold; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font

from gateway.reporting.model import YearReport
from gateway.reporting.tables import Cell, Table, tables

FORMATS = ("md", "csv", "xlsx")
SECTION = "#section"
NONE = "-"  # an empty Markdown cell: not applicable or not reported
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")


def render(report: YearReport, kind: str) -> bytes:
    if kind == "md":
        return markdown(report).encode("utf-8")
    if kind == "csv":
        return sectioned_csv(report).encode("utf-8")
    if kind == "xlsx":
        return workbook(report)
    raise ValueError(f"unknown format {kind!r}: one of {', '.join(FORMATS)}")


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.4f}"
    return str(cell)


def inert(text: str) -> str:
    """`text` as a spreadsheet shows it, never run as a formula (OWASP: a leading `'`)."""
    return "'" + text if text.startswith(FORMULA_STARTERS) else text


def _csv_cell(cell: Cell) -> str:
    # Numbers are written by us (a negative one is a number, not a formula); text is not.
    return _text(cell) if cell is None or not isinstance(cell, str) else inert(cell)


def sectioned_csv(report: YearReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for table in tables(report):
        writer.writerow([SECTION, table.key, inert(table.title)])
        writer.writerow(table.columns)
        writer.writerows([_csv_cell(c) for c in row] for row in table.rows)
        writer.writerow([])
    return out.getvalue()


def _xlsx_cell(cell: Cell) -> str | int | float | None:
    if isinstance(cell, Decimal):
        return float(cell)
    if isinstance(cell, str):
        return inert(ILLEGAL_CHARACTERS_RE.sub("", cell))  # an xlsx cannot hold them
    return cell


def workbook(report: YearReport) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]  # a fresh workbook has one sheet
    for table in tables(report):
        sheet = book.create_sheet(table.key[:31])
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_cell(c) for c in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING  # openpyxl took a str starting `=` as a formula
        sheet.freeze_panes = "A2"
        for n, column in enumerate(table.columns):
            width = max([len(column)] + [len(_text(row[n])) for row in table.rows])
            sheet.column_dimensions[sheet.cell(1, n + 1).column_letter].width = min(width + 2, 80)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{100 * value:.1f} %"


def _md_cell(cell: Cell) -> str:
    # One line per row: a free text's line breaks (a follow-up's explanation) become spaces.
    return " ".join(_text(cell).split()).replace("|", "\\|") or NONE


def _md_table(table: Table) -> list[str]:
    if not table.rows:
        return ["_(none)_", ""]
    lines = ["| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def markdown(report: YearReport) -> str:
    r, year = report, report.year
    by_key = {t.key: t for t in tables(report)}
    out = [
        f"# Stand van zaken STEM-academies {year}",
        "",
        f"Generated on {r.generated_on.isoformat()} from the platform's registry, activities "
        f"and subsidy services. {year} is {'closed' if r.closed else 'not over yet'}.",
        "",
    ]
    if r.gaps:
        out += [f"> **Incomplete data for {year}.** What is missing:", ">"]
        out += [f"> - {g.message} (`{g.kind}`)" for g in r.gaps]
        out.append("")
    else:
        out += [f"The data for {year} is complete.", ""]

    reach = r.reach
    out += [
        f"## 1. Reached municipalities per province (bereikte gemeenten), {year}",
        "",
        f"{reach.reached} of {reach.total} municipalities ({_percent(reach.share)}). "
        f"{reach.counted} {reach.unrecognised_activities} activities of "
        f"{reach.unrecognised_academies} academies without a recognition in force are "
        "counted apart: no reach for subsidy, not paid.",
        "",
        "| province | reached | total | share |",
        "| --- | ---: | ---: | ---: |",
    ]
    out += [
        f"| {p.province} | {len(p.reached)} | {p.total} | {_percent(p.share)} |"
        for p in reach.provinces
    ]
    out += [f"| **Flanders** | {reach.reached} | {reach.total} | {_percent(reach.share)} |", ""]
    for p in reach.provinces:
        names = ", ".join(m.name for m in p.reached) or "none"
        out += [f"- **{p.province}** ({len(p.reached)}): {names}"]
    out += ["", f"## 2. Municipalities not reached, per province, {year}", ""]
    for p in reach.provinces:
        out += [f"### {p.province} ({len(p.not_reached)} of {p.total})", ""]
        for m in p.not_reached:
            near = ", ".join(f"{a.name} ({a.km:.1f} km)" for a in m.nearest)
            out.append(f"- {m.name} ({m.nis_code})" + (f": nearest {near}" if near else ""))
        out.append("" if p.not_reached else "_(every municipality reached)_\n")
    out += [
        f"### Why not reached, and what follows (Q2b/c), {year}",
        "",
        f"{len(r.follow_ups)} municipalities not reached have a follow-up recorded; "
        f"{r.not_followed_up} have nothing recorded yet.",
        "",
        *_md_table(by_key["follow_up"]),
    ]

    people = r.participants
    out += [
        f"## 3. Participants per academy, {year} (voluntary)",
        "",
        f"{people.reported} of {people.recognised} recognised academies reported "
        f"({_percent(people.share)}); {people.total} participants reported in all. Per "
        "quarter: "
        + ", ".join(
            f"Q{q} {people.quarter_total(q)} ({people.quarter_reporters(q)} academies)"
            for q in (1, 2, 3, 4)
        )
        + ". `from_quarters`: no whole-year report, the sum of the quarters reported.",
        "",
        *_md_table(by_key["participants"]),
    ]

    rec = r.recognition
    out += [
        "## 4. Recognition follow-up (erkenning)",
        "",
        f"Recognised on {rec.on.isoformat()}: {len(rec.recognised)} academies ("
        + (", ".join(f"{c.key} {c.count}" for c in rec.states) or "none")
        + ").",
        "",
        *_md_table(by_key["recognition"]),
        f"Reviews due by the end of {year} (current decisions; overdue: ran out before "
        f"{rec.on.isoformat()}):",
        "",
        *_md_table(by_key["reviews_due"]),
    ]

    out += [
        f"## 5. Trend since {r.trend[0].year}",
        "",
        "| year | reached | total | share | newly reached | dropped | activities | "
        "months without activities |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for t in r.trend:
        new = NONE if t.newly_reached is None else str(len(t.newly_reached))
        gone = NONE if t.dropped is None else str(len(t.dropped))
        empty = ", ".join(f"{m:02d}" for m in t.empty_months) or NONE
        out.append(
            f"| {t.year} | {t.reached} | {t.total} | {_percent(t.share)} | {new} | {gone} | "
            f"{t.activities} | {empty} |"
        )
    out.append("")
    for t in r.trend:
        if t.newly_reached is None or t.dropped is None:
            continue
        news = ", ".join(p.name for p in t.newly_reached) or "none"
        gone_names = ", ".join(p.name for p in t.dropped) or "none"
        out.append(f"- **{t.year}**: newly reached: {news}. Dropped: {gone_names}.")
    out += ["", "Topics (themes) and age groups of the activities:", ""]
    for t in r.trend:
        themes = ", ".join(f"{c.label} {c.count}" for c in t.themes) or "none"
        ages = ", ".join(f"{c.label} {c.count}" for c in t.age_groups) or "none"
        out.append(f"- **{t.year}** ({t.activities} activities): {themes}. Ages: {ages}.")

    subs = r.subsidies
    out += ["", f"## 6. Subsidies per role, {year}", "", subs.note, ""]
    if subs.calls:
        out += ["The calls of the year:", "", *_md_table(by_key["subsidy_calls"])]
    if subs.lines:
        out += ["Per role:", "", *_md_table(by_key["subsidies_by_role"])]
        out += ["Per academy and call:", "", *_md_table(by_key["subsidies"])]
    return "\n".join(out).rstrip() + "\n"
