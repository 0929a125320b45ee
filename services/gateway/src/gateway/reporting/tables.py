"""The report as sections of rows: one table per section, shared by the CSV and xlsx
writers (and the Markdown one for its long lists). Cells are str, int, float, Decimal or
None; shares are fractions (0.5 = 50 %)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gateway.reporting.model import QUARTERS, Place, YearReport

Cell = str | int | float | Decimal | None


@dataclass(frozen=True)
class Table:
    key: str  # section id: the CSV section marker and the xlsx sheet name
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _names(places: tuple[Place, ...] | None) -> str | None:
    return None if places is None else "; ".join(f"{p.name} ({p.nis_code})" for p in places)


def _follow_up(report: YearReport) -> Table:
    return Table(
        "follow_up",
        f"Municipalities not reached, {report.year}: why, and the initiative that follows",
        (
            "province",
            "nis_code",
            "municipality",
            "reason",
            "explanation",
            "initiative",
            "no_initiative_reason",
            "recorded_by",
            "recorded_on",
        ),
        tuple(
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
            for f in report.follow_ups
        ),
    )


def tables(report: YearReport) -> list[Table]:
    r, year = report, report.year
    reach, people, rec, subs = r.reach, r.participants, r.recognition, r.subsidies
    summary: list[tuple[Cell, ...]] = [
        ("year", year),
        ("generated_on", r.generated_on.isoformat()),
        ("year_closed", "yes" if r.closed else "no"),
        ("complete", "yes" if r.complete else "no"),
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
        ("subsidy_rules_known", "yes" if subs.rules_known else "no"),
        ("subsidies_note", subs.note),
    ]
    return [
        Table("summary", f"Stand van zaken {year}", ("item", "value"), tuple(summary)),
        Table(
            "gaps",
            "What the data lacks",
            ("kind", "message"),
            tuple((g.kind, g.message) for g in r.gaps),
        ),
        Table(
            "reach_by_province",
            f"Reached municipalities per province, {year}",
            ("province", "reached", "total", "share"),
            (
                *((p.province, len(p.reached), p.total, p.share) for p in reach.provinces),
                ("Flanders", reach.reached, reach.total, reach.share),
            ),
        ),
        Table(
            "reached",
            f"Reached municipalities, {year}",
            ("province", "nis_code", "municipality"),
            tuple((p.province, m.nis_code, m.name) for p in reach.provinces for m in p.reached),
        ),
        Table(
            "not_reached",
            f"Municipalities not reached, {year}, with the nearest active academies",
            ("province", "nis_code", "municipality", "nearest_academies"),
            tuple(
                (
                    p.province,
                    m.nis_code,
                    m.name,
                    "; ".join(f"{a.name} ({a.km:.1f} km)" for a in m.nearest),
                )
                for p in reach.provinces
                for m in p.not_reached
            ),
        ),
        _follow_up(report),
        Table(
            "participants",
            f"Participants per academy, {year} (voluntary)",
            (
                "academy_id",
                "academy",
                "participants",
                "from_quarters",
                *(f"q{q}" for q in QUARTERS),
                "first_half",
                "under_14",
                "from_14",
                "reported",
            ),
            tuple(
                (
                    a.academy_id,
                    a.name,
                    a.participants,
                    "yes" if a.from_quarters else "no",
                    *a.quarters,
                    a.first_half,
                    a.under_14,
                    a.from_14,
                    "yes" if a.reported else "no",
                )
                for a in people.academies
            ),
        ),
        Table(
            "recognition",
            f"Recognised academies on {rec.on.isoformat()}",
            ("academy_id", "academy", "status", "valid_until"),
            tuple(
                (
                    s.academy_id,
                    s.name,
                    s.status,
                    s.valid_until.isoformat() if s.valid_until else None,
                )
                for s in rec.recognised
            ),
        ),
        Table(
            "reviews_due",
            f"Recognition reviews due by the end of {year}",
            ("academy_id", "academy", "status", "valid_until", "overdue"),
            tuple(
                (
                    d.academy_id,
                    d.name,
                    d.status,
                    d.valid_until.isoformat(),
                    "yes" if d.overdue else "no",
                )
                for d in rec.reviews_due
            ),
        ),
        Table(
            "trend",
            f"Reach per year since {r.trend[0].year}",
            (
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
            ),
            tuple(
                (
                    t.year,
                    t.reached,
                    t.total,
                    t.share,
                    None if t.newly_reached is None else len(t.newly_reached),
                    None if t.dropped is None else len(t.dropped),
                    t.activities,
                    ",".join(f"{m:02d}" for m in t.empty_months),
                    _names(t.newly_reached),
                    _names(t.dropped),
                )
                for t in r.trend
            ),
        ),
        Table(
            "themes",
            "Topics (UiTdatabank themes) of the activities per year",
            ("year", "theme_id", "theme", "activities"),
            tuple((t.year, c.key, c.label, c.count) for t in r.trend for c in t.themes),
        ),
        Table(
            "age_groups",
            "Age groups of the activities per year",
            ("year", "age_group", "label", "activities"),
            tuple((t.year, c.key, c.label, c.count) for t in r.trend for c in t.age_groups),
        ),
        Table(
            "subsidies_by_role",
            f"Subsidies per role, {year}",
            ("role", "academies", "paid_eur"),
            tuple((t.role, t.academies, t.paid_eur) for t in subs.per_role()),
        ),
        Table(
            "subsidies",
            f"Subsidies per academy, role and call, {year}",
            ("academy_id", "academy", "role", "call_id", "paid_eur"),
            tuple((s.academy_id, s.name, s.role, s.call_id, s.paid_eur) for s in subs.lines),
        ),
        Table(
            "subsidy_calls",
            f"Subsidy calls of {year}",
            ("call_id", "role", "source", "calculated", "unknown_parameters"),
            tuple(
                (c.call_id, c.role, c.source, "yes" if c.calculated else "no", ", ".join(c.missing))
                for c in subs.calls
            ),
        ),
    ]
