"""The report written as Markdown (to read: markdown.py), a sectioned CSV, or an xlsx workbook.

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

from gateway.reporting.formats import FORMATS
from gateway.reporting.markdown import markdown
from gateway.reporting.markdown import text as _text
from gateway.reporting.model import YearReport
from gateway.reporting.tables import Cell, tables

SECTION = "#section"
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")


def render(report: YearReport, kind: str) -> bytes:
    if kind == "md":
        return markdown(report).encode("utf-8")
    if kind == "csv":
        return sectioned_csv(report).encode("utf-8")
    if kind == "xlsx":
        return workbook(report)
    raise ValueError(f"unknown format {kind!r}: one of {', '.join(FORMATS)}")


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
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(cell, Decimal):
        return float(cell)
    if isinstance(cell, str):
        return inert(ILLEGAL_CHARACTERS_RE.sub("", cell))  # an xlsx cannot hold them
    return cell


def workbook(report: YearReport) -> bytes:
    # openpyxl only here: Markdown and CSV (and `stem --help`) start without it.
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font

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
