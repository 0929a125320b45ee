"""The subsidy service's tables (SQLAlchemy Core) on its own MetaData.

State copies, from events only: `academies`, `recognition_decisions`, `academy_roles`
(registry), `municipalities` + `municipality_postal_codes` (registry, through time),
`activities` + `activity_occurrences` (activities service). Derived: `reach` (one row per
academy, year and municipality ever considered; `reached` is its state and the row is the
lock for concurrent changes) and `reach_evidence` (which activity proves which academy,
year, municipality and postal code). Rules and runs: `parameter_overrides` (operator
values), `calculation_runs` (immutable), `dirty_years` (what the debounced runner redoes).
"""

from __future__ import annotations

import sqlalchemy as sa

from stemkit.ops.audit import audit_table
from stemkit.storage.db import service_metadata

metadata = service_metadata()

activities = sa.Table(
    "activities",
    metadata,
    sa.Column("activity_id", sa.String(64), primary_key=True),
    sa.Column("academy_id", sa.String(64), nullable=True),
    sa.Column("nis_code", sa.String(5), nullable=True),
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False, comment="left the STEM-kalender"),
    sa.Column(
        "modified", sa.DateTime(timezone=True), nullable=False, comment="UiTdatabank modified"
    ),
    sa.Column("postal_code", sa.String(4), nullable=True),
    sa.Column("theme_ids", sa.Text, nullable=True, comment="JSON list of UiTdatabank theme ids"),
    sa.Column("age_min", sa.Integer, nullable=True),
    sa.Column("age_max", sa.Integer, nullable=True),
    sa.Column("audience", sa.String(16), nullable=True, comment="UiT audienceType; null: everyone"),
)
sa.Index("ix_activities_academy_id", activities.c.academy_id)

activity_occurrences = sa.Table(
    "activity_occurrences",
    metadata,
    sa.Column(
        "activity_id",
        sa.String(64),
        sa.ForeignKey("activities.activity_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("day", sa.Date, nullable=False, comment="start date in Brussels time"),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("nis_code", sa.String(5), nullable=True),
)

reach = sa.Table(
    "reach",
    metadata,
    sa.Column("academy_id", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("nis_code", sa.String(5), primary_key=True),
    sa.Column("reached", sa.Boolean, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

reach_evidence = sa.Table(
    "reach_evidence",
    metadata,
    sa.Column("academy_id", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("nis_code", sa.String(5), primary_key=True),
    sa.Column("postal_code", sa.String(4), primary_key=True, comment="'' when unknown"),
    sa.Column("activity_id", sa.String(64), primary_key=True),
)
sa.Index("ix_reach_evidence_activity_id", reach_evidence.c.activity_id)
sa.Index("ix_reach_evidence_year", reach_evidence.c.year)

academies = sa.Table(
    "academies",
    metadata,
    sa.Column("academy_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("demo", sa.Boolean, nullable=False),
    sa.Column("home_nis_code", sa.String(5), nullable=True),
    sa.Column("fixed_nis_code", sa.String(5), nullable=True),
    sa.Column("fixed_postal_code", sa.String(4), nullable=True),
)

recognition_decisions = sa.Table(
    "recognition_decisions",
    metadata,
    sa.Column("decision_id", sa.String(64), primary_key=True),
    sa.Column("academy_id", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=True),
)

academy_roles = sa.Table(
    "academy_roles",
    metadata,
    sa.Column("academy_id", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("role", sa.String(32), primary_key=True),
)

municipalities = sa.Table(
    "municipalities",
    metadata,
    sa.Column("nis_code", sa.String(5), primary_key=True),
    sa.Column("name_nl", sa.String(128), nullable=False),
    sa.Column("province_nl", sa.String(64), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
    sa.Column("merged_into_nis", sa.String(5), nullable=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
)

municipality_postal_codes = sa.Table(
    "municipality_postal_codes",
    metadata,
    sa.Column("nis_code", sa.String(5), primary_key=True),
    sa.Column("postal_code", sa.String(4), primary_key=True),
)

parameter_overrides = sa.Table(
    "parameter_overrides",
    metadata,
    sa.Column("override_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("value", sa.Text, nullable=False, comment="JSON"),
    sa.Column("author", sa.String(255), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

calculation_runs = sa.Table(
    "calculation_runs",
    metadata,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("trigger", sa.String(32), nullable=False, comment="api | debounced"),
    sa.Column("rules_version", sa.String(64), nullable=False),
    sa.Column("watermark", sa.String(128), nullable=False, comment="input state the run saw"),
    sa.Column("result", sa.Text, nullable=False, comment="the whole result, JSON"),
)

dirty_years = sa.Table(
    "dirty_years",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
)

# Who changed what, when, before and after, and why (stemkit.ops.audit; issue 21).
audit_log = audit_table(metadata)
