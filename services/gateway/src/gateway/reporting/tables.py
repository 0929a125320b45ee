"""The report as sections of rows: one table per section, shared by the CSV and xlsx
writers (and the Markdown one for its long lists). Cells are str, int, float, Decimal or
None; shares are fractions (0.5 = 50 %). One function per section, in `SECTIONS` order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from gateway.reporting.model import QUARTERS, Place, YearReport

Cell = str | int | float | Decimal | None
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    key: str  # section id: the CSV section marker and the xlsx sheet name
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def tables(report: YearReport) -> list[Table]:
    return [section(report) for section in SECTIONS]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _names(places: tuple[Place, ...] | None) -> str | None:
    return None if places is None else "; ".join(f"{p.name} ({p.nis_code})" for p in places)


def _summary(r: YearReport) -> Table:
    reach, people, rec, subs = r.reach, r.participants, r.recognition, r.subsidies
    items: tuple[Row, ...] = (
        ("year", r.year),
        ("generated_on", r.generated_on.isoformat()),
        ("year_closed", _yes(r.closed)),
        ("complete", _yes(r.complete)),
        ("municipalities_reached", reach.reached),
        ("municipalities_total", reach.total),
        ("share_reached", reach.share),
        ("not_reached_without_follow_up", r.not_followed_up),
        ("coverage_counts", reach.counted),
        ("unrecognised_activities", reach.unrecognised_activities),
        ("unrecognised_academies", reach.unrecognised_academies),
        ("municipalities_only_unrecognised", _names(reach.only_unrecognised)),
        ("academies_recognised", people.recognised),
        ("academies_reported_participants", people.reported),
        ("reporting_share", people.share),
        ("participants_reported", people.total),
        ("recognised_on", rec.on.isoformat()),
        ("reviews_due", len(rec.reviews_due)),
        ("subsidy_rules_known", _yes(subs.rules_known)),
        ("subsidies_note", subs.note),
    )
    return Table("summary", f"Stand van zaken {r.year}", ("item", "value"), items)


def _gaps(r: YearReport) -> Table:
    rows = tuple((g.kind, g.message) for g in r.gaps)
    return Table("gaps", "What the data lacks", ("kind", "message"), rows)


def _reach_by_province(r: YearReport) -> Table:
    reach = r.reach
    rows = (
        *((p.province, p.reached_count, p.total, p.share) for p in reach.provinces),
        ("Flanders", reach.reached, reach.total, reach.share),
    )
    title = f"Reached municipalities per province, {r.year}"
    return Table("reach_by_province", title, ("province", "reached", "total", "share"), rows)


def _reached(r: YearReport) -> Table:
    rows = tuple((p.province, m.nis_code, m.name) for p in r.reach.provinces for m in p.reached)
    title = f"Reached municipalities, {r.year}"
    return Table("reached", title, ("province", "nis_code", "municipality"), rows)


def _not_reached(r: YearReport) -> Table:
    rows = tuple(
        (p.province, m.nis_code, m.name, "; ".join(f"{a.name} ({a.km:.1f} km)" for a in m.nearest))
        for p in r.reach.provinces
        for m in p.not_reached
    )
    title = f"Municipalities not reached, {r.year}, with the nearest active academies"
    columns = ("province", "nis_code", "municipality", "nearest_academies")
    return Table("not_reached", title, columns, rows)


def _follow_up(r: YearReport) -> Table:
    columns = (
        "province",
        "nis_code",
        "municipality",
        "reason",
        "explanation",
        "initiative",
        "no_initiative_reason",
        "recorded_by",
        "recorded_on",
    )
    rows = tuple(
        (
            f.province,
            f.nis_code,
            f.name,
            f.reason,
            f.explanation,
            f.initiative,
            f.no_initiative_reason,
            f.author,
            f.recorded_on.isoformat(),
        )
        for f in r.follow_ups
    )
    title = f"Municipalities not reached, {r.year}: why, and the initiative that follows"
    return Table("follow_up", title, columns, rows)


def _participants(r: YearReport) -> Table:
    columns = (
        "academy_id",
        "academy",
        "participants",
        "from_quarters",
        *(f"q{q}" for q in QUARTERS),
        "first_half",
        "under_14",
        "from_14",
        "reported",
    )
    rows = tuple(
        (
            a.academy_id,
            a.name,
            a.participants,
            _yes(a.from_quarters),
            *a.quarters,
            a.first_half,
            a.under_14,
            a.from_14,
            _yes(a.reported),
        )
        for a in r.participants.academies
    )
    title = f"Participants per academy, {r.year} (voluntary)"
    return Table("participants", title, columns, rows)


def _recognition(r: YearReport) -> Table:
    rec = r.recognition
    rows = tuple(
        (s.academy_id, s.name, s.status, s.valid_until.isoformat() if s.valid_until else None)
        for s in rec.recognised
    )
    title = f"Recognised academies on {rec.on.isoformat()}"
    return Table("recognition", title, ("academy_id", "academy", "status", "valid_until"), rows)


def _reviews_due(r: YearReport) -> Table:
    rows = tuple(
        (d.academy_id, d.name, d.status, d.valid_until.isoformat(), _yes(d.overdue))
        for d in r.recognition.reviews_due
    )
    columns = ("academy_id", "academy", "status", "valid_until", "overdue")
    return Table("reviews_due", f"Recognition reviews due by the end of {r.year}", columns, rows)


def _count(places: tuple[Place, ...] | None) -> int | None:
    return None if places is None else len(places)


def _trend(r: YearReport) -> Table:
    columns = (
        "year",
        "reached",
        "total",
        "share",
        "newly_reached",
        "dropped",
        "activities",
        "months_without_activities",
        "newly_reached_municipalities",
        "dropped_municipalities",
    )
    rows = tuple(
        (
            t.year,
            t.reached,
            t.total,
            t.share,
            _count(t.newly_reached),
            _count(t.dropped),
            t.activities,
            ",".join(f"{m:02d}" for m in t.empty_months),
            _names(t.newly_reached),
            _names(t.dropped),
        )
        for t in r.trend
    )
    return Table("trend", f"Reach per year since {r.trend[0].year}", columns, rows)


def _themes(r: YearReport) -> Table:
    rows = tuple((t.year, c.key, c.label, c.count) for t in r.trend for c in t.themes)
    title = "Topics (UiTdatabank themes) of the activities per year"
    return Table("themes", title, ("year", "theme_id", "theme", "activities"), rows)


def _age_groups(r: YearReport) -> Table:
    rows = tuple((t.year, c.key, c.label, c.count) for t in r.trend for c in t.age_groups)
    title = "Age groups of the activities per year"
    return Table("age_groups", title, ("year", "age_group", "label", "activities"), rows)


def _subsidies_by_role(r: YearReport) -> Table:
    rows = tuple((t.role, t.academies, t.paid_eur) for t in r.subsidies.per_role)
    title = f"Subsidies per role, {r.year}"
    return Table("subsidies_by_role", title, ("role", "academies", "paid_eur"), rows)


def _subsidies(r: YearReport) -> Table:
    rows = tuple((s.academy_id, s.name, s.role, s.call_id, s.paid_eur) for s in r.subsidies.lines)
    columns = ("academy_id", "academy", "role", "call_id", "paid_eur")
    return Table("subsidies", f"Subsidies per academy, role and call, {r.year}", columns, rows)


def _subsidy_calls(r: YearReport) -> Table:
    rows = tuple(
        (c.call_id, c.role, c.source, _yes(c.calculated), ", ".join(c.missing))
        for c in r.subsidies.calls
    )
    columns = ("call_id", "role", "source", "calculated", "unknown_parameters")
    return Table("subsidy_calls", f"Subsidy calls of {r.year}", columns, rows)


SECTIONS: tuple[Callable[[YearReport], Table], ...] = (
    _summary,
    _gaps,
    _reach_by_province,
    _reached,
    _not_reached,
    _follow_up,
    _participants,
    _recognition,
    _reviews_due,
    _trend,
    _themes,
    _age_groups,
    _subsidies_by_role,
    _subsidies,
    _subsidy_calls,
)
