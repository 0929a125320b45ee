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

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from stemkit.ops.audit import audit_table
from stemkit.storage.db import NAMING

metadata = MetaData(naming_convention=NAMING)

activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("academy_id", String(64), nullable=True),
    Column("nis_code", String(5), nullable=True),
    Column("public", Boolean, nullable=False),
    Column("status", String(32), nullable=False),
    Column("withdrawn", Boolean, nullable=False, comment="left the STEM-kalender"),
    Column("modified", DateTime(timezone=True), nullable=False, comment="UiTdatabank modified"),
    Column("postal_code", String(4), nullable=True),
    Column("theme_ids", Text, nullable=True, comment="JSON list of UiTdatabank theme ids"),
    Column("age_min", Integer, nullable=True),
    Column("age_max", Integer, nullable=True),
    Column("audience", String(16), nullable=True, comment="UiT audienceType; null: everyone"),
)
Index("ix_activities_academy_id", activities.c.academy_id)

activity_occurrences = Table(
    "activity_occurrences",
    metadata,
    Column(
        "activity_id",
        String(64),
        ForeignKey("activities.activity_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", Integer, primary_key=True),
    Column("day", Date, nullable=False, comment="start date in Brussels time"),
    Column("status", String(32), nullable=True),
    Column("nis_code", String(5), nullable=True),
)

reach = Table(
    "reach",
    metadata,
    Column("academy_id", String(64), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("nis_code", String(5), primary_key=True),
    Column("reached", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

reach_evidence = Table(
    "reach_evidence",
    metadata,
    Column("academy_id", String(64), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("nis_code", String(5), primary_key=True),
    Column("postal_code", String(4), primary_key=True, comment="'' when unknown"),
    Column("activity_id", String(64), primary_key=True),
)
Index("ix_reach_evidence_activity_id", reach_evidence.c.activity_id)
Index("ix_reach_evidence_year", reach_evidence.c.year)

academies = Table(
    "academies",
    metadata,
    Column("academy_id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("demo", Boolean, nullable=False),
    Column("home_nis_code", String(5), nullable=True),
    Column("fixed_nis_code", String(5), nullable=True),
    Column("fixed_postal_code", String(4), nullable=True),
)

recognition_decisions = Table(
    "recognition_decisions",
    metadata,
    Column("decision_id", String(64), primary_key=True),
    Column("academy_id", String(64), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
)

academy_roles = Table(
    "academy_roles",
    metadata,
    Column("academy_id", String(64), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("role", String(32), primary_key=True),
)

municipalities = Table(
    "municipalities",
    metadata,
    Column("nis_code", String(5), primary_key=True),
    Column("name_nl", String(128), nullable=False),
    Column("province_nl", String(64), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("merged_into_nis", String(5), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
)

municipality_postal_codes = Table(
    "municipality_postal_codes",
    metadata,
    Column("nis_code", String(5), primary_key=True),
    Column("postal_code", String(4), primary_key=True),
)

parameter_overrides = Table(
    "parameter_overrides",
    metadata,
    Column("override_id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("value", Text, nullable=False, comment="JSON"),
    Column("author", String(255), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

calculation_runs = Table(
    "calculation_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("year", Integer, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("trigger", String(32), nullable=False, comment="api | debounced"),
    Column("rules_version", String(64), nullable=False),
    Column("watermark", String(128), nullable=False, comment="input state the run saw"),
    Column("result", Text, nullable=False, comment="the whole result, JSON"),
)

dirty_years = Table(
    "dirty_years",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("since", DateTime(timezone=True), nullable=False),
)

# Who changed what, when, before and after, and why (stemkit.ops.audit; issue 21).
audit_log = audit_table(metadata)
