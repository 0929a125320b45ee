"""The report written as Markdown, to read: a heading with what is missing, then one
section per question (reach, not reached and its follow-up, participants, recognition,
trend, subsidies), each a function of its own. Tables are those of `tables.tables`."""

from __future__ import annotations

from gateway.reporting.model import YearReport
from gateway.reporting.tables import Cell, Table, tables

NONE = "-"  # an empty Markdown cell: not applicable or not reported

Tables = dict[str, Table]


def text(cell: Cell) -> str:
    """A cell as text: empty for unknown, a fraction with four decimals."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.4f}"
    return str(cell)


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{100 * value:.1f} %"


def _md_cell(cell: Cell) -> str:
    # One line per row: a free text's line breaks (a follow-up's explanation) become spaces.
    return " ".join(text(cell).split()).replace("|", "\\|") or NONE


def _md_table(table: Table) -> list[str]:
    if not table.rows:
        return ["_(none)_", ""]
    lines = ["| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def _heading(r: YearReport) -> list[str]:
    year = r.year
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
    return out


def _reach(r: YearReport) -> list[str]:
    reach = r.reach
    out = [
        f"## 1. Reached municipalities per province (bereikte gemeenten), {r.year}",
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
    return out


def _not_reached(r: YearReport, by_key: Tables) -> list[str]:
    out = ["", f"## 2. Municipalities not reached, per province, {r.year}", ""]
    for p in r.reach.provinces:
        out += [f"### {p.province} ({len(p.not_reached)} of {p.total})", ""]
        for m in p.not_reached:
            near = ", ".join(f"{a.name} ({a.km:.1f} km)" for a in m.nearest)
            out.append(f"- {m.name} ({m.nis_code})" + (f": nearest {near}" if near else ""))
        out.append("" if p.not_reached else "_(every municipality reached)_\n")
    out += [
        f"### Why not reached, and what follows (Q2b/c), {r.year}",
        "",
        f"{len(r.follow_ups)} municipalities not reached have a follow-up recorded; "
        f"{r.not_followed_up} have nothing recorded yet.",
        "",
        *_md_table(by_key["follow_up"]),
    ]
    return out


def _participants(r: YearReport, by_key: Tables) -> list[str]:
    people = r.participants
    quarters = ", ".join(
        f"Q{q} {people.quarter_total(q)} ({people.quarter_reporters(q)} academies)"
        for q in (1, 2, 3, 4)
    )
    return [
        f"## 3. Participants per academy, {r.year} (voluntary)",
        "",
        f"{people.reported} of {people.recognised} recognised academies reported "
        f"({_percent(people.share)}); {people.total} participants reported in all. Per "
        f"quarter: {quarters}. `from_quarters`: no whole-year report, the sum of the quarters "
        "reported.",
        "",
        *_md_table(by_key["participants"]),
    ]


def _recognition(r: YearReport, by_key: Tables) -> list[str]:
    rec = r.recognition
    states = ", ".join(f"{c.key} {c.count}" for c in rec.states) or "none"
    return [
        "## 4. Recognition follow-up (erkenning)",
        "",
        f"Recognised on {rec.on.isoformat()}: {len(rec.recognised)} academies ({states}).",
        "",
        *_md_table(by_key["recognition"]),
        f"Reviews due by the end of {r.year} (current decisions; overdue: ran out before "
        f"{rec.on.isoformat()}):",
        "",
        *_md_table(by_key["reviews_due"]),
    ]


def _trend_table(r: YearReport) -> list[str]:
    out = [
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
    return out


def _trend_lists(r: YearReport) -> list[str]:
    out = []
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
    return out


def _subsidies(r: YearReport, by_key: Tables) -> list[str]:
    subs = r.subsidies
    out = ["", f"## 6. Subsidies per role, {r.year}", "", subs.note, ""]
    if subs.calls:
        out += ["The calls of the year:", "", *_md_table(by_key["subsidy_calls"])]
    if subs.lines:
        out += ["Per role:", "", *_md_table(by_key["subsidies_by_role"])]
        out += ["Per academy and call:", "", *_md_table(by_key["subsidies"])]
    return out


def markdown(report: YearReport) -> str:
    by_key = {t.key: t for t in tables(report)}
    out = [
        *_heading(report),
        *_reach(report),
        *_not_reached(report, by_key),
        *_participants(report, by_key),
        *_recognition(report, by_key),
        *_trend_table(report),
        *_trend_lists(report),
        *_subsidies(report, by_key),
    ]
    return "\n".join(out).rstrip() + "\n"
