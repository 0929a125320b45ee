"""The subsidy service's tables (SQLAlchemy Core) on its own MetaData.

`activities` and `activity_years` are the service's own copy of what the activities
service publishes (only the fields the reach rule needs). `reach` holds one row per
(academy, year, municipality) that was ever considered, with `reached` as its current
state; its row is also the lock that serialises concurrent changes of one reach.
`reach_evidence` says which activities prove a reach.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from stemkit.db import NAMING

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
)

activity_years = Table(
    "activity_years",
    metadata,
    Column(
        "activity_id",
        String(64),
        ForeignKey("activities.activity_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("year", Integer, primary_key=True),
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
    Column("activity_id", String(64), primary_key=True),
)
Index("ix_reach_evidence_activity_id", reach_evidence.c.activity_id)
